import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';
import { InspectResult, InspectorProvider, pageSize } from './inspector';

interface Status {
  state: string;
  connected: boolean;
  endpoint: string;
  error?: string;
  dialect?: string;
  dialect_version?: string;
  image_name?: string;
}

interface EvaluateResult {
  result: string;
  result_type: string;
  object_id?: string | null;
  truncated: boolean;
  execution_time: number;
}

const selector = [
  { scheme: 'file', language: 'smalltalk' },
  { scheme: 'file', language: 'tonel' },
  { scheme: 'untitled', language: 'smalltalk' },
];

let client: LanguageClient | undefined;
let statusItem: vscode.StatusBarItem;
let statusTimer: NodeJS.Timeout | undefined;

function settings(): Record<string, unknown> {
  const cfg = vscode.workspace.getConfiguration('stui');
  const out: Record<string, unknown> = {};
  for (const key of ['endpoint', 'hoverTimeoutMs', 'evaluateTimeoutMs', 'completionTimeoutMs', 'maxResultChars',
    'inlineResultChars', 'persistSession', 'compileOnSave']) {
    const v = cfg.get(key);
    if (v !== undefined && v !== '') {
      out[key] = v;
    }
  }
  return out;
}

function createClient(): LanguageClient {
  const cfg = vscode.workspace.getConfiguration('stui');
  const command = cfg.get<string>('path') || 'stui-lsp';
  const args = cfg.get<string[]>('args') ?? [];
  const serverOptions: ServerOptions = { command, args, transport: TransportKind.stdio };
  const clientOptions: LanguageClientOptions = {
    documentSelector: selector,
    initializationOptions: settings(),
    synchronize: { configurationSection: 'stui' },
    outputChannelName: 'STUI',
  };
  return new LanguageClient('stui', 'STUI (stui-lsp)', serverOptions, clientOptions);
}

async function execute<T>(command: string, arg: object): Promise<T | undefined> {
  if (!client) {
    void vscode.window.showWarningMessage('STUI: the language server is not running.');
    return undefined;
  }
  try {
    return await client.sendRequest<T>('workspace/executeCommand', { command, arguments: [arg] });
  } catch (e) {
    void vscode.window.showErrorMessage(`STUI: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

// target is the selection, or the empty range at the cursor (the server then
// takes the statement there).
function target(editor: vscode.TextEditor): object {
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
    statusItem.text = '$(debug-disconnect) Pharo';
    statusItem.tooltip = 'stui-lsp is not running';
    return;
  }
  try {
    const st = await client.sendRequest<Status>('workspace/executeCommand', { command: 'stui.status', arguments: [{}] });
    if (st.connected) {
      statusItem.text = `$(plug) ${st.image_name || st.dialect || 'Pharo'}`;
      statusItem.tooltip = `Connected to ${st.dialect ?? 'the image'} ${st.dialect_version ?? ''} at ${st.endpoint}`;
      statusItem.backgroundColor = undefined;
    } else {
      statusItem.text = '$(debug-disconnect) Pharo';
      statusItem.tooltip = `${st.state}: ${st.endpoint}${st.error ? '\n' + st.error : ''}`;
      statusItem.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    }
  } catch {
    statusItem.text = '$(debug-disconnect) Pharo';
  }
}

function pollStatus(): void {
  if (statusTimer) {
    clearInterval(statusTimer);
    statusTimer = undefined;
  }
  const secs = vscode.workspace.getConfiguration('stui').get<number>('statusPollSeconds') ?? 10;
  if (secs > 0) {
    statusTimer = setInterval(() => void refreshStatus(), secs * 1000);
  }
  void refreshStatus();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  statusItem.command = 'stui.vscode.showStatus';
  statusItem.text = '$(sync~spin) Pharo';
  statusItem.show();

  const inspector = new InspectorProvider((id, offset) =>
    execute<InspectResult>('stui.inspect', { objectId: id, offset: offset ?? 0, limit: pageSize, open: false }));
  const view = vscode.window.createTreeView('stui.inspector', { treeDataProvider: inspector, showCollapseAll: true });

  const withEditor = (fn: (e: vscode.TextEditor) => Promise<unknown>) => async () => {
    const editor = vscode.window.activeTextEditor;
    if (editor) {
      await fn(editor);
    }
  };

  context.subscriptions.push(
    statusItem,
    view,
    vscode.commands.registerCommand('stui.vscode.doIt', withEditor(async (editor) => {
      const res = await execute<EvaluateResult>('stui.evaluate', target(editor));
      if (res) {
        vscode.window.setStatusBarMessage(`$(check) ${res.result}`, 5000);
      }
    })),
    vscode.commands.registerCommand('stui.vscode.printIt', withEditor((editor) => execute('stui.printIt', target(editor)))),
    vscode.commands.registerCommand('stui.vscode.inspectIt', withEditor(async (editor) => {
      const res = await execute<InspectResult>('stui.inspect', { ...target(editor), open: false });
      if (res) {
        inspector.show(res);
        await vscode.commands.executeCommand('stui.inspector.focus');
      }
    })),
    vscode.commands.registerCommand('stui.vscode.inspector.drill', (node) => inspector.drill(node)),
    vscode.commands.registerCommand('stui.vscode.inspector.clear', () => inspector.clear()),
    vscode.commands.registerCommand('stui.vscode.resetSession', () =>
      execute('stui.resetSession', { uri: vscode.window.activeTextEditor?.document.uri.toString() ?? '' })),
    vscode.commands.registerCommand('stui.vscode.interrupt', () =>
      execute('stui.interrupt', { uri: vscode.window.activeTextEditor?.document.uri.toString() ?? '' })),
    vscode.commands.registerCommand('stui.vscode.browseClass', async () => {
      const className = await vscode.window.showInputBox({ prompt: 'Class name' });
      if (className) {
        const res = await execute<unknown>('stui.browseClass', { className });
        if (res) {
          const doc = await vscode.workspace.openTextDocument({ language: 'json', content: JSON.stringify(res, null, 2) });
          await vscode.window.showTextDocument(doc, { preview: true });
        }
      }
    }),
    vscode.commands.registerCommand('stui.vscode.showStatus', async () => {
      await refreshStatus();
      void vscode.window.showInformationMessage(`STUI: ${statusItem.tooltip ?? statusItem.text}`);
    }),
    vscode.commands.registerCommand('stui.vscode.restartServer', async () => {
      await client?.stop();
      client = createClient();
      await client.start();
      pollStatus();
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

  client = createClient();
  try {
    await client.start();
  } catch (e) {
    void vscode.window.showErrorMessage(
      `STUI: cannot start ${vscode.workspace.getConfiguration('stui').get('path')}: ${e instanceof Error ? e.message : String(e)}. Set "stui.path".`);
  }
  pollStatus();
}

export async function deactivate(): Promise<void> {
  if (statusTimer) {
    clearInterval(statusTimer);
  }
  await client?.stop();
}
