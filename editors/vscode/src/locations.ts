// The sender and implementor lenses, and the Transcript in a view of its own.
//
// stui-lsp's stui.senders and stui.implementors answer a list of locations,
// as LSP gives a server no way to open a references view: a click on the lens
// comes through the client's executeCommand middleware, and the answer goes
// to VS Code's references peek. With the setting `stui.transcript` at
// "notification", the server sends stui/transcript instead of logging the
// Transcript, and it goes to the "STUI Transcript" output channel.
import * as vscode from 'vscode';
import { LanguageClient, Location } from 'vscode-languageclient/node';

const locationCommands = new Set(['stui.senders', 'stui.implementors']);

type LensTarget = { uri?: string; range?: { start: { line: number; character: number } }; method?: string };

// runsLocations reports whether command answers locations to show.
export function runsLocations(command: string): boolean {
  return locationCommands.has(command);
}

// showLocations runs the lens's command through run (the extension's one
// way to call the server, which reports failures) and shows the locations
// it answers in the references peek at the lens.
export async function showLocations(
  client: LanguageClient,
  command: string,
  args: unknown[],
  run: (command: string, args: unknown[]) => Promise<Location[] | undefined>,
): Promise<undefined> {
  const found = await run(command, args);
  if (found === undefined) {
    return undefined;
  }
  const target = (args[0] ?? {}) as LensTarget;
  const what = command === 'stui.senders' ? 'senders' : 'implementors';
  if (found.length === 0 || !target.uri || !target.range) {
    void vscode.window.showInformationMessage(`STUI: no ${what} of ${target.method ?? 'this method'}`);
    return undefined;
  }
  const at = target.range.start;
  await vscode.commands.executeCommand('editor.action.showReferences',
    vscode.Uri.parse(target.uri), new vscode.Position(at.line, at.character),
    found.map((l) => client.protocol2CodeConverter.asLocation(l)));
  return undefined;
}

let transcript: vscode.OutputChannel | undefined;

// followTranscript shows what stui/transcript carries in the "STUI
// Transcript" output channel, made at the first notification.
export function followTranscript(client: LanguageClient): void {
  client.onNotification('stui/transcript', (note: { text: string; dropped: number }) => {
    transcript ??= vscode.window.createOutputChannel('STUI Transcript');
    if (note.dropped > 0) {
      transcript.appendLine(`[${note.dropped} Transcript entries dropped: the image wrote faster than the editor is shown]`);
    }
    transcript.appendLine(note.text);
  });
}
