import * as vscode from 'vscode';

// LinkStatus is what the server reports about the image, both as the result
// of the stui.status command and as the stui/status notification it sends
// whenever the connection state changes.
export interface LinkStatus {
  state: string;
  connected: boolean;
  endpoint: string;
  error?: string;
  dialect?: string;
  dialect_version?: string;
  image_name?: string;
}

// StatusView is the status bar item: the image the server is connected to,
// or why there is none (the server did not start, or the image is not
// there), with what to do about it in the tooltip.
export class StatusView implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private summary = 'starting the language server';

  constructor(command: string) {
    this.item = vscode.window.createStatusBarItem('stui.status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'STUI image';
    this.item.command = command;
    this.item.text = '$(sync~spin) Pharo: starting';
    this.item.tooltip = 'STUI: starting the language server';
    this.item.show();
  }

  // describe is one line on the current state, for a message.
  describe(): string {
    return this.summary;
  }

  starting(): void {
    this.summary = 'starting the language server';
    this.item.text = '$(sync~spin) Pharo: starting';
    this.item.tooltip = 'STUI: starting the language server';
    this.item.backgroundColor = undefined;
  }

  // serverFailed shows that stui-lsp is not running, and why.
  serverFailed(reason: string): void {
    this.summary = reason;
    this.item.text = '$(error) STUI: server not running';
    this.item.tooltip = new vscode.MarkdownString().appendText(reason);
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
  }

  link(st: LinkStatus): void {
    if (st.connected) {
      const name = st.image_name || st.dialect || 'Pharo';
      this.summary = `connected to ${name} at ${st.endpoint}`;
      this.item.text = `$(plug) ${name}`;
      this.item.tooltip = new vscode.MarkdownString().appendText(
        `Connected to ${[st.dialect, st.dialect_version].filter(Boolean).join(' ') || 'the image'} (${name}) at ${st.endpoint}`);
      this.item.backgroundColor = undefined;
      return;
    }
    const where = st.endpoint ? ` at ${st.endpoint}` : '';
    this.summary = `image ${st.state}${where}${st.error ? ` (${st.error})` : ''}`;
    this.item.text = `$(debug-disconnect) Pharo: ${st.state}`;
    const tip = new vscode.MarkdownString();
    tip.appendText(`Image ${st.state}${where}.`);
    if (st.error) {
      tip.appendText(`\n\n${st.error}`);
    }
    // Without an endpoint stui-lsp dials the image's per-user socket, which
    // STUIServer start serves; loopback tcp is never a default.
    const start = st.endpoint ? `STUIServer startOn: '${st.endpoint}'` : 'STUIServer start';
    tip.appendMarkdown('\n\nStart the STUI server in your image (`' + start +
      '`), or set `stui.endpoint`. stui-lsp retries in the background.');
    this.item.tooltip = tip;
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
  }

  dispose(): void {
    this.item.dispose();
  }
}
