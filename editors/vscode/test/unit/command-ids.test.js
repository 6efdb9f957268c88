// The extension and the server must never register the same command id.
// vscode-languageclient registers every command the server advertises in
// executeCommandProvider.commands as a VS Code command; if the extension has
// already registered one of them, the client fails to start ("command ...
// already exists"). The rule: the server owns the ids it advertises, the
// extension owns the stui.vscode.* ids, and the extension's keys and menus
// reach the server through the language client.
//
// The server's list comes from the initialize reply of the real binary:
// STUI_LSP, else bin/stui-lsp at the repository root.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { createProtocolConnection, StreamMessageReader, StreamMessageWriter } = require('vscode-languageserver-protocol/node');

const extensionDir = path.join(__dirname, '..', '..');
const ownPrefix = 'stui.vscode.';

// extensionCommandIds is every id the extension contributes in package.json
// or registers with vscode.commands.registerCommand in its sources.
function extensionCommandIds() {
  const manifest = JSON.parse(fs.readFileSync(path.join(extensionDir, 'package.json'), 'utf8'));
  const ids = new Set(manifest.contributes.commands.map((c) => c.command));
  const srcDir = path.join(extensionDir, 'src');
  for (const file of fs.readdirSync(srcDir).filter((f) => f.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(srcDir, file), 'utf8');
    for (const m of text.matchAll(/registerCommand\(\s*(['"`])([^'"`]+)\1/g)) {
      ids.add(m[2]);
    }
    // An id built at run time would escape this check.
    assert.doesNotMatch(text, /registerCommand\(\s*[^'"`\s]/, `${file} registers a command whose id is not a literal`);
  }
  return { manifest, ids };
}

function serverBinary() {
  if (process.env.STUI_LSP) {
    return process.env.STUI_LSP;
  }
  const built = path.join(extensionDir, '..', '..', 'bin', 'stui-lsp');
  return fs.existsSync(built) ? built : undefined;
}

async function advertisedCommands(binary) {
  const proc = spawn(binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
  const conn = createProtocolConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  conn.listen();
  try {
    const root = pathToFileURL(extensionDir).href;
    const init = await conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: root,
      workspaceFolders: [{ uri: root, name: 'vscode' }],
      capabilities: {},
    });
    await conn.sendRequest('shutdown');
    await conn.sendNotification('exit');
    return init.capabilities.executeCommandProvider.commands;
  } finally {
    const killer = setTimeout(() => proc.kill('SIGKILL'), 3000);
    if (proc.exitCode === null) {
      await new Promise((r) => proc.once('exit', r));
    }
    clearTimeout(killer);
    conn.dispose();
  }
}

test('the extension owns only stui.vscode.* ids, and its keys and menus use them', () => {
  const { manifest, ids } = extensionCommandIds();
  for (const id of ids) {
    assert.ok(id.startsWith(ownPrefix), `extension command ${id} is outside ${ownPrefix}*`);
  }
  const bound = [
    ...manifest.contributes.keybindings.map((k) => k.command),
    ...Object.values(manifest.contributes.menus).flat().map((m) => m.command),
  ];
  for (const id of bound) {
    assert.ok(ids.has(id), `a key or menu entry names ${id}, which the extension does not own`);
  }
});

test('no id the extension registers is advertised by the real server', async (t) => {
  const binary = serverBinary();
  if (!binary) {
    if (process.env.CI === 'true') {
      assert.fail('no stui-lsp binary: set STUI_LSP or build bin/stui-lsp');
    }
    t.skip('no stui-lsp binary: build it (go build -o bin/stui-lsp ./cmd/stui-lsp) or set STUI_LSP');
    return;
  }
  const advertised = await advertisedCommands(binary);
  assert.ok(advertised.includes('stui.evaluate'), `the server advertises ${JSON.stringify(advertised)}, not stui.evaluate`);
  const { ids } = extensionCommandIds();
  const clash = advertised.filter((id) => ids.has(id));
  assert.deepEqual(clash, [], `registered by both the extension and the server: ${clash.join(', ')}`);
  const intruders = advertised.filter((id) => id.startsWith(ownPrefix));
  assert.deepEqual(intruders, [], `the server advertises ids in the extension's ${ownPrefix}* space`);
});
