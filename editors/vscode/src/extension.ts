import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ResponseError,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import { BrowsedClass, ClassDocuments, classScheme } from './classDocument';
import { InspectResult, InspectorProvider, pageSize } from './inspector';
import { followTranscript, runsLocations, showLocations } from './locations';
import { LinkStatus, StatusView } from './status';
import { TestExplorer } from './testExplorer';
import { registerDebugging, startDebuggingIfAsked } from './debug';

// Command ids: the server owns every id it advertises (stui.evaluate,
// stui.printIt, ...) and vscode-languageclient registers those itself; the
// extension owns the stui.vscode.* ids below. Registering one of the server's
// ids here would stop the language client from starting
// (test/unit/command-ids.test.js guards it).

interface EvaluateResult {
  result: string;
  result_type: string;
  object_id?: string | null;
  truncated: boolean;
  execution_time: number;
}

interface CommandTarget {
  uri?: string;
  range?: { start: { line: number; character: number }; end: { line: number; character: number } };
}

const selector = [
  { scheme: 'file', language: 'smalltalk' },
  { scheme: 'file', language: 'tonel' },
  { scheme: 'untitled', language: 'smalltalk' },
];

// The language client's codes for a reply that will never come.
const cancelledCodes = new Set([-32800, -32802, -32097, -32099]);

let client: LanguageClient | undefined;
let status: StatusView;
let output: vscode.LogOutputChannel;
let statusTimer: NodeJS.Timeout | undefined;
// Why the server is not running, when it is not.
let serverProblem: string | undefined;

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('stui');
}

function settings(): Record<string, unknown> {
  const cfg = config();
  const out: Record<string, unknown> = {};
  for (const key of ['endpoint', 'hoverTimeoutMs', 'evaluateTimeoutMs', 'completionTimeoutMs', 'maxResultChars',
    'inlineResultChars', 'persistSession', 'compileOnSave', 'senderLenses', 'transcript', 'image']) {
    const v = cfg.get(key);
    if (v !== undefined && v !== '') {
      out[key] = v;
    }
  }
  return out;
}

// whereToLook names the logs that say more about a failure of the server.
function whereToLook(): string {
  const args = config().get<string[]>('args') ?? [];
  const i = args.indexOf('--log-file');
  const file = i >= 0 && i + 1 < args.length ? ` and stui-lsp's log file ${args[i + 1]}` : '';
  return `See the "STUI" output channel${file}.`;
}

function endpointNote(): string {
  const endpoint = config().get<string>('endpoint') || process.env.STUI_ENDPOINT || '';
  return endpoint ? ` (image endpoint ${endpoint})` : ' (image endpoint: stui-lsp\'s default)';
}

// findBinary resolves stui.path the way spawning it would, so that a missing
// binary is reported as that, before the language client tries to start it.
function findBinary(command: string): string | undefined {
  const executable = (p: string) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/') || command.includes('\\')) {
    return executable(command) ? command : undefined;
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    if (dir !== '' && executable(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

function serverFailed(reason: string): void {
  serverProblem = reason;
  status.serverFailed(reason);
  output.appendLine(reason);
  void vscode.window.showErrorMessage(reason, 'Open Settings', 'Show Log').then((pick) => {
    if (pick === 'Open Settings') {
      void vscode.commands.executeCommand('workbench.action.openSettings', 'stui.path');
    } else if (pick === 'Show Log') {
      output.show();
    }
  });
}

function createClient(command: string): LanguageClient {
  const args = config().get<string[]>('args') ?? [];
  const serverOptions: ServerOptions = { command, args, transport: TransportKind.stdio };
  let restarts: number[] = [];
  const clientOptions: LanguageClientOptions = {
    documentSelector: selector,
    initializationOptions: settings(),
    synchronize: { configurationSection: 'stui' },
    outputChannel: output,
    // Failures reach the user once, from this extension, with the reason.
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    errorHandler: {
      error: () => ({ action: ErrorAction.Continue, handled: true }),
      closed: () => {
        const now = Date.now();
        restarts = [...restarts.filter((t) => now - t < 180_000), now];
        if (restarts.length <= 3) {
          status.starting();
          return { action: CloseAction.Restart, handled: true };
        }
        serverFailed(`STUI: stui-lsp (${command}) stopped ${restarts.length} times in 3 minutes and is not restarted. ` +
          `${whereToLook()} Then run "STUI: Restart language server".`);
        return { action: CloseAction.DoNotRestart, handled: true };
      },
    },
    middleware: {
      // Code lenses run the server's commands through here: one place
      // reports their failures, once.
      executeCommand: (cmd, cmdArgs) => runsLocations(cmd) ? showLocations(c, cmd, cmdArgs, serverCommand) : startDebuggingIfAsked(cmd, serverCommand(cmd, cmdArgs)),
    },
  };
  const c = new LanguageClient('stui', 'STUI (stui-lsp)', serverOptions, clientOptions);
  c.onNotification('stui/status', (st: LinkStatus) => status.link(st));
  followTranscript(c);
  c.onDidChangeState((e) => {
    if (e.newState === State.Running) {
      serverProblem = undefined;
      void refreshStatus();
    }
  });
  return c;
}

async function startServer(): Promise<void> {
  const configured = config().get<string>('path') || 'stui-lsp';
  status.starting();
  const binary = findBinary(configured);
  if (!binary) {
    serverFailed(`STUI: cannot start the language server: ${configured} was not found` +
      `${path.isAbsolute(configured) ? '' : ' on PATH'} (setting stui.path). Install it ` +
      '(go install github.com/stui-lsp/stui-lsp/cmd/stui-lsp@latest) or set "stui.path" to the stui-lsp binary.');
    return;
  }
  client = createClient(binary);
  try {
    await client.start();
  } catch (e) {
    serverFailed(`STUI: stui-lsp (${binary}) did not start: ${e instanceof Error ? e.message : String(e)}${endpointNote()}. ` +
      whereToLook());
  }
}

async function stopServer(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) {
    try {
      await c.stop(3000);
    } catch (e) {
      output.appendLine(`stopping stui-lsp: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

// serverCommand runs one of the server's commands. A failure is shown once:
// not at all when the server put a diagnostic where it happened (a failed
// evaluation), as a single error message otherwise.
async function serverCommand<T>(command: string, args: unknown[]): Promise<T | undefined> {
  if (!client || !client.isRunning()) {
    void vscode.window.showErrorMessage(`STUI: the language server is not running: ${serverProblem ?? status.describe()}`);
    return undefined;
  }
  try {
    return await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }) as T;
  } catch (e) {
    if (e instanceof ResponseError && cancelledCodes.has(e.code)) {
      return undefined;
    }
    const message = e instanceof Error ? e.message : String(e);
    const target = (args[0] ?? {}) as CommandTarget;
    if (diagnosedAt(target)) {
      vscode.window.setStatusBarMessage(`$(error) ${message.split('\n')[0]}`, 5000);
    } else {
      void vscode.window.showErrorMessage(`STUI: ${message}`);
    }
    return undefined;
  }
}

// diagnosedAt reports whether the server already shows an evaluation error
// on the lines of the target.
function diagnosedAt(target: CommandTarget): boolean {
  if (!target.uri || !target.range) {
    return false;
  }
  const { start, end } = target.range;
  return vscode.languages.getDiagnostics(vscode.Uri.parse(target.uri)).some((d) =>
    (d.source ?? '').startsWith('stui') && d.range.start.line <= end.line && d.range.end.line >= start.line);
}

// target is the selection, or the empty range at the cursor (the server then
// takes the statement there).
function target(editor: vscode.TextEditor): CommandTarget {
  const sel = editor.selection;
  return {
    uri: editor.document.uri.toString(),
    range: {
      start: { line: sel.start.line, character: sel.start.character },
      end: { line: sel.end.line, character: sel.end.character },
    },
  };
}

async function refreshStatus(): Promise<void> {
  if (!client || !client.isRunning()) {
    return;
  }
  try {
    const st = await client.sendRequest(ExecuteCommandRequest.type, { command: 'stui.status', arguments: [{}] }) as LinkStatus;
    status.link(st);
  } catch (e) {
    output.appendLine(`stui.status: ${e instanceof Error ? e.message : String(e)}`);
  }
}

// pollStatus is a fallback only: the server sends stui/status whenever the
// link to the image changes.
function pollStatus(): void {
  if (statusTimer) {
    clearInterval(statusTimer);
    statusTimer = undefined;
  }
  const secs = config().get<number>('statusPollSeconds') ?? 30;
  if (secs > 0) {
    statusTimer = setInterval(() => void refreshStatus(), secs * 1000);
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('STUI', { log: true });
  try {
    await setUp(context);
  } catch (e) {
    // Without this, the reason is only in the extension host's log.
    const reason = e instanceof Error ? e.stack ?? e.message : String(e);
    output.error(`activation failed: ${reason}`);
    void vscode.window.showErrorMessage(
      `STUI: the extension could not start: ${e instanceof Error ? e.message : String(e)}. See the "STUI" output channel.`);
  }
}

async function setUp(context: vscode.ExtensionContext): Promise<void> {
  status = new StatusView('stui.vscode.showStatus');
  const classes = new ClassDocuments();

  const inspector = new InspectorProvider((id, offset) =>
    serverCommand<InspectResult>('stui.inspect', [{ objectId: id, offset: offset ?? 0, limit: pageSize, open: false }]));
  const view = vscode.window.createTreeView('stui.inspector', { treeDataProvider: inspector, showCollapseAll: true });

  const withEditor = (fn: (e: vscode.TextEditor) => Promise<unknown>) => async () => {
    const editor = vscode.window.activeTextEditor;
    if (editor) {
      await fn(editor);
    }
  };
  const activeUri = () => vscode.window.activeTextEditor?.document.uri.toString() ?? '';

  context.subscriptions.push(
    output,
    status,
    view,
    new TestExplorer(serverCommand),
    vscode.workspace.registerTextDocumentContentProvider(classScheme, classes),
    vscode.commands.registerCommand('stui.vscode.doIt', withEditor(async (editor) => {
      const res = await serverCommand<EvaluateResult>('stui.evaluate', [target(editor)]);
      if (res) {
        vscode.window.setStatusBarMessage(`$(check) ${res.result}`, 5000);
      }
    })),
    vscode.commands.registerCommand('stui.vscode.printIt', withEditor((editor) => serverCommand('stui.printIt', [target(editor)]))),
    vscode.commands.registerCommand('stui.vscode.inspectIt', withEditor(async (editor) => {
      const res = await serverCommand<InspectResult>('stui.inspect', [{ ...target(editor), open: false }]);
      if (res) {
        inspector.show(res);
        await vscode.commands.executeCommand('stui.inspector.focus');
      }
    })),
    vscode.commands.registerCommand('stui.vscode.inspector.drill', (node) => inspector.drill(node)),
    vscode.commands.registerCommand('stui.vscode.inspector.clear', () => inspector.clear()),
    vscode.commands.registerCommand('stui.vscode.resetSession', () => serverCommand('stui.resetSession', [{ uri: activeUri() }])),
    vscode.commands.registerCommand('stui.vscode.interrupt', () => serverCommand('stui.interrupt', [{ uri: activeUri() }])),
    vscode.commands.registerCommand('stui.vscode.browseClass', async () => {
      const className = (await vscode.window.showInputBox({ prompt: 'Class name', placeHolder: 'Counter' }))?.trim();
      if (!className) {
        return;
      }
      const res = await serverCommand<BrowsedClass>('stui.browseClass', [{ className }]);
      if (res) {
        const doc = await vscode.workspace.openTextDocument(classes.put(res));
        await vscode.languages.setTextDocumentLanguage(doc, 'smalltalk');
        await vscode.window.showTextDocument(doc, { preview: false });
      }
    }),
    vscode.commands.registerCommand('stui.vscode.showStatus', async () => {
      await refreshStatus();
      const pick = await vscode.window.showInformationMessage(`STUI: ${serverProblem ?? status.describe()}`, 'Show Log');
      if (pick === 'Show Log') {
        output.show();
      }
    }),
    vscode.commands.registerCommand('stui.vscode.restartServer', async () => {
      await stopServer();
      await startServer();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('stui.statusPollSeconds')) {
        pollStatus();
      }
      if (e.affectsConfiguration('stui.path') || e.affectsConfiguration('stui.args')) {
        void vscode.commands.executeCommand('stui.vscode.restartServer');
      }
    }),
    { dispose: () => statusTimer && clearInterval(statusTimer) },
  );

  registerDebugging(context, () => findBinary(config().get<string>('path') || 'stui-lsp') ?? 'stui-lsp', () => config().get<string>('endpoint') ?? '');
  await startServer();
  pollStatus();
}

export async function deactivate(): Promise<void> {
  if (statusTimer) {
    clearInterval(statusTimer);
  }
  await stopServer();
}
