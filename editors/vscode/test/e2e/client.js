// End-to-end check of stui-lsp with Microsoft's LSP client libraries for
// Node (vscode-jsonrpc and vscode-languageserver-protocol). e2e/editors_test.go
// runs it; by hand:
//
//   STUI_LSP=/path/to/stui-lsp STUI_TEST_ENDPOINT=tcp://127.0.0.1:NNNN \
//   STUI_DEAD_ENDPOINT=tcp://127.0.0.1:1 STUI_TEST_WORKSPACE=/copy/of/e2e/testdata/workspace \
//   node test/e2e/client.js
//
// It prints one "ok" or "not ok" line per check and exits 1 if any failed.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
} = require('vscode-languageserver-protocol/node');

const env = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`client.js: set ${name}`);
    process.exit(2);
  }
  return v;
};
const serverPath = env('STUI_LSP');
const endpoint = env('STUI_TEST_ENDPOINT');
const deadEndpoint = env('STUI_DEAD_ENDPOINT');
const workspace = env('STUI_TEST_WORKSPACE');

let failures = 0;
function check(name, ok, detail) {
  if (ok) {
    console.log(`ok - ${name}`);
  } else {
    failures++;
    console.log(`not ok - ${name}${detail === undefined ? '' : ': ' + detail}`);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, fn, ms = 10000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// Client is one stui-lsp process and what it pushed to us.
class Client {
  constructor(args, initializationOptions) {
    this.proc = spawn(serverPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.stderr = '';
    this.proc.stderr.on('data', (d) => { this.stderr += d; });
    this.conn = createProtocolConnection(
      new StreamMessageReader(this.proc.stdout),
      new StreamMessageWriter(this.proc.stdin),
    );
    this.diagnostics = new Map();
    this.edits = [];
    this.shown = [];
    this.initializationOptions = initializationOptions;
    this.conn.onNotification('textDocument/publishDiagnostics', (p) => this.diagnostics.set(p.uri, p.diagnostics));
    this.conn.onNotification('window/logMessage', () => {});
    this.conn.onNotification('window/showMessage', () => {});
    this.conn.onRequest('workspace/configuration', (p) => p.items.map(() => null));
    this.conn.onRequest('workspace/applyEdit', (p) => {
      this.edits.push(p.edit);
      return { applied: true };
    });
    this.conn.onRequest('window/showDocument', (p) => {
      this.shown.push(p.uri);
      return { success: true };
    });
    for (const m of ['client/registerCapability', 'workspace/inlayHint/refresh', 'workspace/codeLens/refresh',
      'workspace/semanticTokens/refresh', 'workspace/diagnostic/refresh', 'window/workDoneProgress/create']) {
      this.conn.onRequest(m, () => null);
    }
    this.conn.listen();
  }

  async initialize() {
    const root = pathToFileURL(workspace).href;
    const res = await this.conn.sendRequest('initialize', {
      processId: process.pid,
      clientInfo: { name: 'stui-e2e-node' },
      rootUri: root,
      workspaceFolders: [{ uri: root, name: 'workspace' }],
      initializationOptions: this.initializationOptions,
      capabilities: {
        workspace: { applyEdit: true, configuration: true, inlayHint: { refreshSupport: true }, codeLens: { refreshSupport: true } },
        window: { showDocument: { support: true } },
        textDocument: {
          hover: { contentFormat: ['markdown', 'plaintext'] },
          publishDiagnostics: {},
          codeLens: {},
          synchronization: { didSave: true },
        },
      },
    });
    await this.conn.sendNotification('initialized', {});
    return res;
  }

  open(rel, languageId) {
    const file = path.join(workspace, rel);
    const text = fs.readFileSync(file, 'utf8');
    const uri = pathToFileURL(file).href;
    this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    return { uri, lines: text.split('\n') };
  }

  command(command, arg) {
    return this.conn.sendRequest('workspace/executeCommand', { command, arguments: [arg] });
  }

  async close() {
    try {
      await this.conn.sendRequest('shutdown');
      await this.conn.sendNotification('exit');
    } catch {
      // the process may already be gone
    }
    const exited = new Promise((r) => this.proc.once('exit', r));
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(killer);
    this.conn.dispose();
  }
}

// at is the position of needle on a line, in UTF-16 code units (JavaScript's
// own string indices, and the LSP default).
function at(doc, line, needle) {
  const character = doc.lines[line].indexOf(needle);
  if (character < 0) throw new Error(`no ${needle} on line ${line}`);
  return { line, character };
}

const hoverText = (h) => (h && h.contents ? (typeof h.contents === 'string' ? h.contents : h.contents.value || JSON.stringify(h.contents)) : '');

async function live() {
  const c = new Client([], { endpoint });
  try {
    const init = await c.initialize();
    check('initialize names the server and offers the commands',
      init.serverInfo && init.serverInfo.name === 'stui-lsp' &&
      init.capabilities.executeCommandProvider.commands.includes('stui.evaluate'), JSON.stringify(init.serverInfo));

    await waitFor('the image connection', async () => (await c.command('stui.status', {})).connected);
    const status = await c.command('stui.status', {});
    check('stui.status reports the connected image', status.connected && status.endpoint === endpoint, JSON.stringify(status));

    const play = c.open('playground.st', 'smalltalk');
    const broken = c.open('broken.st', 'smalltalk');
    const counter = c.open('src/Demo/Counter.class.st', 'tonel');

    const hover = await c.conn.sendRequest('textDocument/hover', {
      textDocument: { uri: play.uri }, position: at(play, 1, 'Counter'),
    });
    const ht = hoverText(hover);
    check('hover on Counter shows the image\'s class: superclass and comment',
      ht.includes('Counter') && ht.includes('Object') && ht.includes('café') && ht.includes('my comment is not ASCII'), ht);
    check('hover range covers the word in UTF-16 columns',
      hover && hover.range && hover.range.start.character === 10 && hover.range.end.character === 17, JSON.stringify(hover && hover.range));

    const lenses = await c.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: play.uri } });
    const titles = new Set((lenses || []).map((l) => l.command && l.command.title));
    check('code lenses on the playground: Evaluate | Print it | Inspect it',
      titles.has('Evaluate') && titles.has('Print it') && titles.has('Inspect it') && lenses.some((l) => l.range.start.line === 2),
      JSON.stringify(lenses));
    const tonelLenses = await c.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: counter.uri } });
    const exampleLine = counter.lines.findIndex((l) => l.includes('exampleIncrement'));
    check('code lenses on the <example> method of a Tonel class',
      (tonelLenses || []).some((l) => l.command.command === 'stui.evaluate' && exampleLine - 1 <= l.range.start.line && l.range.start.line <= exampleLine),
      JSON.stringify(tonelLenses));

    const p34 = at(play, 2, '3 + 4');
    const ev = await c.command('stui.evaluate', { uri: play.uri, range: { start: p34, end: p34 } });
    check('stui.evaluate of the statement at the cursor answers 7', ev.result === '7' && ev.result_type === 'SmallInteger', JSON.stringify(ev));

    const lens = lenses.find((l) => l.range.start.line === 2 && l.command.command === 'stui.evaluate');
    const lensEval = await c.command(lens.command.command, ...lens.command.arguments);
    check('running the Evaluate lens of "3 + 4" answers 7', lensEval.result === '7', JSON.stringify(lensEval));

    const p67 = at(play, 3, '6 * 7');
    const pr = await c.command('stui.printIt', { uri: play.uri, range: { start: p67, end: p67 } });
    const change = c.edits.length > 0 && c.edits[c.edits.length - 1].changes && c.edits[c.edits.length - 1].changes[play.uri];
    const edit = change && change[0];
    check('stui.printIt answers 42 and inserts it as a comment after the statement',
      pr.result === '42' && pr.inserted === true && edit && edit.newText === ' "42"' &&
      edit.range.start.line === 3 && edit.range.start.character === p67.character + '6 * 7'.length,
      JSON.stringify({ pr, edits: c.edits }));

    const ins = await c.command('stui.inspect', { code: '(1 to: 3) asOrderedCollection' });
    check('stui.inspect answers the object and its slots',
      ins.object_id && ins.object_info.class_name === 'OrderedCollection' && ins.slots.length > 0, JSON.stringify(ins));
    const again = await c.command('stui.inspect', { objectId: ins.object_id, offset: 0, limit: 2 });
    check('stui.inspect drills down by object id', again.object_id === ins.object_id && again.slots.length <= 2, JSON.stringify(again));

    const b = at(broken, 0, '3 +');
    let evalErr;
    try {
      await c.command('stui.evaluate', { uri: broken.uri, range: { start: b, end: { line: 0, character: b.character + 3 } } });
    } catch (e) {
      evalErr = e;
    }
    check('evaluating "3 +" fails with a SyntaxError', evalErr && /SyntaxError/.test(evalErr.message), evalErr && evalErr.message);
    const diag = await waitFor('the evaluate diagnostic', () =>
      (c.diagnostics.get(broken.uri) || []).find((d) => d.source === 'stui evaluate'), 5000).catch(() => undefined);
    check('the syntax error is a diagnostic just after the "+" (UTF-16 column 13)',
      diag && diag.range.start.line === 0 && diag.range.start.character === b.character + 3,
      JSON.stringify(c.diagnostics.get(broken.uri)));

    // Saving a Tonel class compiles its methods into the image; a method the
    // image refuses gets a diagnostic on the offending name, and the file on
    // disk is left as it was.
    const saverFile = path.join(workspace, 'src', 'Demo', 'Saver.class.st');
    const saverText = [
      '"Saves nothing: un été 😀"',
      'Class { #name : #Saver, #superclass : #Object, #category : #Demo }',
      '',
      '{ #category : #accessing }',
      'Saver >> broken [',
      '\t^ undeclaredThing + 1',
      ']',
      '',
    ].join('\n');
    fs.writeFileSync(saverFile, saverText);
    const saver = c.open(path.join('src', 'Demo', 'Saver.class.st'), 'tonel');
    c.conn.sendNotification('textDocument/didSave', { textDocument: { uri: saver.uri } });
    const compileDiag = await waitFor('the compile diagnostic', () =>
      (c.diagnostics.get(saver.uri) || []).find((d) => d.source === 'stui compile'), 10000).catch(() => undefined);
    const u = at(saver, 5, 'undeclaredThing');
    check('a save whose compile fails shows the image\'s error on the method',
      compileDiag && compileDiag.range.start.line === 5 && compileDiag.range.start.character === u.character,
      JSON.stringify(c.diagnostics.get(saver.uri)));
    check('compile on save leaves the file on disk untouched', fs.readFileSync(saverFile, 'utf8') === saverText, '');
  } finally {
    await c.close();
  }
}

async function imageDown() {
  const c = new Client(['--endpoint', deadEndpoint]);
  try {
    await c.initialize();
    const play = c.open('playground.st', 'smalltalk');
    const started = Date.now();
    const hover = await c.conn.sendRequest('textDocument/hover', {
      textDocument: { uri: play.uri }, position: at(play, 1, 'Counter'),
    });
    const ms = Date.now() - started;
    const ht = hoverText(hover);
    check(`with no image, hover answers quickly (${ms} ms) and says "image not connected"`,
      ms < 3000 && ht.includes('image not connected'), ht);
    let evalErr;
    try {
      await c.command('stui.evaluate', { code: '3 + 4' });
    } catch (e) {
      evalErr = e;
    }
    check('with no image, stui.evaluate fails with "image not connected"', evalErr && evalErr.message.includes('image not connected'), evalErr && evalErr.message);
  } finally {
    await c.close();
  }
}

(async () => {
  const guard = setTimeout(() => {
    console.log('not ok - the whole run took longer than 60 s');
    process.exit(1);
  }, 60000);
  try {
    await live();
    await imageDown();
  } catch (e) {
    check('no unexpected error', false, e && e.stack);
  }
  clearTimeout(guard);
  console.log(failures === 0 ? 'PASS' : `FAIL (${failures})`);
  process.exit(failures === 0 ? 0 : 1);
})();
