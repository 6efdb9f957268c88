import * as vscode from 'vscode';

// The debugger of type stui is `stui-lsp dap` (docs/debugging.md), started
// with the language server's binary and image endpoint.
export function registerDebugging(context: vscode.ExtensionContext, binary: () => string, endpoint: () => string): void {
  context.subscriptions.push(vscode.debug.registerDebugAdapterDescriptorFactory('stui', {
    createDebugAdapterDescriptor: () => {
      const e = endpoint();
      return new vscode.DebugAdapterExecutable(binary(), e ? ['dap', '--endpoint', e] : ['dap']);
    },
  }));
}

// startDebuggingIfAsked starts the debugger with the launch configuration
// that the server's stui.debugIt answers (the "Debug it" lens and action);
// any other command's result passes through.
export async function startDebuggingIfAsked<T>(command: string, result: Promise<T | undefined>): Promise<T | undefined> {
  const r = await result;
  if (command === 'stui.debugIt' && r) {
    const launch = r as unknown as vscode.DebugConfiguration;
    const folder = typeof launch.cwd === 'string' && launch.cwd !== ''
      ? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(launch.cwd)) : undefined;
    await vscode.debug.startDebugging(folder, launch);
  }
  return r;
}
