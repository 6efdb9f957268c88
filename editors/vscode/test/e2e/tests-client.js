// End-to-end check of SUnit runs through stui-lsp with Microsoft's LSP client
// libraries for Node (vscode-languageserver-protocol over vscode-jsonrpc):
// the Run test lenses, stui.runTests with its diagnostics, $/progress, the
// summary, the ✓/✗ hints, the code actions and stui.listTests, against
// stui-testimage's TallyTest. e2e/tests_editors_test.go runs it; by hand:
//
//   STUI_LSP=/path/to/stui-lsp STUI_TEST_ENDPOINT=tcp://127.0.0.1:NNNN \
//   STUI_TEST_WORKSPACE=/dir/with/TallyTest.class.st node test/e2e/tests-client.js
//
// It prints one "ok" or "not ok" line per check, then PASS or FAIL.
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
    console.error(`tests-client.js: set ${name}`);
    process.exit(2);
  }
  return v;
};
const workspace = env('STUI_TEST_WORKSPACE');

let failures = 0;
function check(name, ok, detail) {
  if (ok) {
    console.log(`ok - ${name}`);
  } else {
    failures++;
    console.log(`not ok - ${name}${detail === undefined ? '' : ': ' + JSON.stringify(detail)}`);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitFor(fn, ms = 10000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v || Date.now() > deadline) return v;
    await sleep(50);
  }
}

async function main() {
  const proc = spawn(env('STUI_LSP'), [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createProtocolConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const diagnostics = new Map();
  const progress = [];
  const shown = [];
  const logged = [];
  conn.onNotification('textDocument/publishDiagnostics', (p) => diagnostics.set(p.uri, p.diagnostics));
  conn.onNotification('$/progress', (p) => progress.push(p.value));
  conn.onNotification('window/showMessage', (p) => shown.push(p.message));
  conn.onNotification('window/logMessage', (p) => logged.push(p.message));
  conn.onRequest('workspace/configuration', (p) => p.items.map(() => null));
  for (const m of ['client/registerCapability', 'workspace/inlayHint/refresh', 'workspace/codeLens/refresh',
    'workspace/semanticTokens/refresh', 'window/workDoneProgress/create']) {
    conn.onRequest(m, () => null);
  }
  conn.listen();
  try {
    const root = pathToFileURL(workspace).href;
    await conn.sendRequest('initialize', {
      processId: process.pid,
      clientInfo: { name: 'stui-e2e-node-tests' },
      rootUri: root,
      workspaceFolders: [{ uri: root, name: 'workspace' }],
      initializationOptions: { endpoint: env('STUI_TEST_ENDPOINT') },
      capabilities: {
        workspace: { configuration: true, inlayHint: { refreshSupport: true } },
        window: { workDoneProgress: true },
        textDocument: { publishDiagnostics: {}, codeLens: {}, inlayHint: {}, codeAction: {} },
      },
    });
    await conn.sendNotification('initialized', {});

    const file = path.join(workspace, 'TallyTest.class.st');
    const text = fs.readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const uri = pathToFileURL(file).href;
    const lineOf = (needle) => lines.findIndex((l) => l.includes(needle));
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'smalltalk', version: 1, text } });

    let lenses = [];
    for (let i = 0; i < 100 && !lenses.some((l) => l.command && l.command.title === 'Run test'); i++) {
      lenses = (await conn.sendRequest('textDocument/codeLens', { textDocument: { uri } })) || [];
      if (!lenses.some((l) => l.command && l.command.title === 'Run test')) await sleep(100);
    }
    const runLenses = lenses.filter((l) => l.command && l.command.command === 'stui.runTests');
    check('a Run tests lens over the class and a Run test lens over each of its five tests',
      runLenses.filter((l) => l.command.title === 'Run tests').length === 1 &&
      runLenses.filter((l) => l.command.title === 'Run test').length === 5, runLenses.map((l) => l.command.title));

    const carries = lineOf('TallyTest >> testCarries');
    const lens = runLenses.find((l) => l.range.start.line === carries);
    const report = await conn.sendRequest('workspace/executeCommand', { command: 'stui.runTests', arguments: lens.command.arguments });
    check('the lens runs testCarries alone, which fails', report.failed === 1 && report.results.length === 1, report);
    await waitFor(() => (diagnostics.get(uri) || []).some((d) => d.source === 'stui test'));
    const diag = (diagnostics.get(uri) || []).find((d) => d.source === 'stui test');
    check('its failure is a diagnostic on the failing line with the assertion\'s message',
      diag && diag.range.start.line === carries + 2 && diag.message.includes('Got 10 instead of 11.'), diag);
    check('$/progress began and ended with the summary',
      progress.some((v) => v.kind === 'begin') && progress.some((v) => v.kind === 'end' && /0 passed, 1 failed/.test(v.message)), progress);
    check('the summary is shown as a message because a test failed', shown.some((m) => m.includes('testCarries: 0 passed, 1 failed')), shown);

    const hints = await conn.sendRequest('textDocument/inlayHint', {
      textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } },
    });
    const label = (h) => (typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join(''));
    check('a ✗ after testCarries', (hints || []).some((h) => h.position.line === carries && label(h) === '✗'), hints);

    const divides = lineOf('TallyTest >> testDivides') + 1;
    const actions = await conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri }, range: { start: { line: divides, character: 2 }, end: { line: divides, character: 2 } },
      context: { diagnostics: [] },
    });
    const titles = (actions || []).map((a) => a.title);
    check('code actions offer the test at the cursor and its class',
      titles.includes('Run test testDivides') && titles.includes('Run tests of TallyTest'), titles);

    const listed = await conn.sendRequest('workspace/executeCommand', { command: 'stui.listTests', arguments: [{}] });
    const tally = (listed || []).find((c) => c.class_name === 'TallyTest');
    check('stui.listTests names TallyTest and its five tests', tally && tally.tests.length === 5, listed);

    const before = shown.length;
    const fixed = await conn.sendRequest('workspace/executeCommand', {
      command: 'stui.runTests', arguments: [{ className: 'TallyTest', selectors: ['testAdds'] }],
    });
    check('{className, selectors} runs the one test, which passes', fixed.passed === 1 && fixed.results.length === 1, fixed);
    await waitFor(() => logged.some((m) => m.includes('testAdds: 1 passed')));
    check('a run where everything passed is logged, not shown', shown.length === before && logged.some((m) => m.includes('testAdds: 1 passed')), { shown, logged });

    await conn.sendRequest('shutdown');
    await conn.sendNotification('exit');
  } catch (e) {
    check('the script ran to the end', false, String(e && e.stack || e));
  }
  const exited = new Promise((r) => proc.once('exit', r));
  const killer = setTimeout(() => proc.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(killer);
  conn.dispose();
  console.log(failures === 0 ? 'PASS' : `FAIL (${failures})`);
  process.exit(failures === 0 ? 0 : 1);
}

main();
