// Drives the real `stui-lsp mcp` binary with the official MCP TypeScript
// client over stdio, against the real cmd/stui-testimage (a test backend
// speaking the STUI protocol over ZeroMQ, not a Pharo image).
//
// Run by e2e/mcp_test.go, which builds the binaries and sets
// STUI_LSP_BIN and STUI_TESTIMAGE_BIN.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const lspBin = process.env.STUI_LSP_BIN;
const imageBin = process.env.STUI_TESTIMAGE_BIN;
assert.ok(lspBin && imageBin, 'set STUI_LSP_BIN and STUI_TESTIMAGE_BIN (e2e/mcp_test.go does)');

const scratch = mkdtempSync(join(tmpdir(), 'stui-e2e-mcp-'));
const workspace = mkdtempSync(join(scratch, 'workspace-'));
const logFile = join(scratch, 'mcp.log');
const images = [];

// startImage runs the test image and resolves to its endpoint (its first line
// of stdout). With an endpoint it binds that one again, as a restarted image.
function startImage(endpoint) {
  const args = endpoint ? ['-endpoint', endpoint] : [];
  const proc = spawn(imageBin, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  images.push(proc);
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout });
    lines.once('line', (line) => resolve({ proc, endpoint: line.trim() }));
    proc.once('exit', (code) => reject(new Error(`stui-testimage exited with ${code} before printing its endpoint`)));
  });
}

// stopImage closes the image's stdin, which ends it, and waits for it.
function stopImage(image) {
  return new Promise((resolve) => {
    if (image.proc.exitCode !== null) return resolve();
    image.proc.once('exit', () => resolve());
    image.proc.stdin.end();
  });
}

async function connect(endpoint, ...flags) {
  const transport = new StdioClientTransport({
    command: lspBin,
    args: ['mcp', '--endpoint', endpoint, '--workspace', workspace, '--log-file', logFile, '--call-timeout', '3s', ...flags],
    // The remembered sessions go to a cache of the test's own.
    env: { ...process.env, XDG_CACHE_HOME: join(scratch, 'cache') },
    stderr: 'inherit',
  });
  const client = new Client({ name: 'stui-e2e', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

function textOf(result) {
  return result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');
}

async function ok(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  assert.ok(!result.isError, `${name} ${JSON.stringify(args)} failed: ${textOf(result)}`);
  assert.ok(result.structuredContent, `${name}: no structured content`);
  return result;
}

async function fails(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  assert.equal(result.isError, true, `${name} ${JSON.stringify(args)}: want a tool error, got ${textOf(result)}`);
  return textOf(result);
}

async function waitForLog(pattern, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    let log = '';
    try { log = readFileSync(logFile, 'utf8'); } catch { /* not written yet */ }
    if (pattern.test(log)) return log;
    if (Date.now() > deadline) assert.fail(`the log never matched ${pattern}:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let image;
let client;

before(async () => {
  image = await startImage();
  client = await connect(image.endpoint);
});

after(async () => {
  await client?.close();
  for (const proc of images) if (proc.exitCode === null) proc.kill();
  rmSync(scratch, { recursive: true, force: true });
});

test('lists every tool with a description and schemas', async () => {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name).sort();
  assert.deepEqual(names, ['browse_class', 'compile_method', 'evaluate', 'get_method', 'implementors',
    'inspect', 'run_tests', 'search_classes', 'senders', 'system_info']);
  for (const tool of tools) {
    assert.ok(tool.description.length > 40, `${tool.name} has no useful description`);
    assert.equal(tool.inputSchema.type, 'object');
    assert.ok(tool.outputSchema, `${tool.name} has no output schema`);
  }
  const evaluate = tools.find((t) => t.name === 'evaluate');
  assert.deepEqual(evaluate.inputSchema.properties.mode.enum, ['execute', 'print', 'inspect']);
  assert.deepEqual(evaluate.inputSchema.required, ['code']);
});

test('lists and reads the stui: resources', async () => {
  const { resources } = await client.listResources();
  const uris = resources.map((r) => r.uri);
  for (const uri of ['stui://packages', 'stui://package/Demo', 'stui://class/Counter', 'stui://class/CounterTest']) {
    assert.ok(uris.includes(uri), `resources/list lacks ${uri}: ${uris}`);
  }
  const { resourceTemplates } = await client.listResourceTemplates();
  const templates = resourceTemplates.map((t) => t.uriTemplate);
  assert.ok(templates.includes('stui://class/{class}'), templates);
  assert.ok(templates.includes('stui://method/{class}/{+selector}'), templates);

  const read = async (uri) => (await client.readResource({ uri })).contents[0].text;
  assert.match(await read('stui://packages'), /Demo {2}stui:\/\/package\/Demo/);
  assert.match(await read('stui://package/Demo'), /Counter {2}stui:\/\/class\/Counter/);
  assert.match(await read('stui://class/Counter'), /package Demo[\s\S]*I count up from zero/);
  assert.match(await read('stui://method/Counter/increment'), /^increment\n/);
  assert.match(await read('stui://method/Counter%20class/exampleIncrement'), /c := self new/);
  await assert.rejects(client.readResource({ uri: 'stui://class/NoSuchClass' }));
});

test('calls each tool', async () => {
  let r = await ok(client, 'evaluate', { code: 'total := 3 + 4' });
  assert.equal(r.structuredContent.result, '7');
  r = await ok(client, 'evaluate', { code: 'total * 6', mode: 'print' });
  assert.equal(r.structuredContent.result, '42', 'a workspace variable did not survive between calls');
  await ok(client, 'evaluate', { code: 'total', mode: 'execute' });

  r = await ok(client, 'evaluate', { code: '(1 to: 3) asOrderedCollection', mode: 'inspect' });
  const id = r.structuredContent.object_id;
  assert.equal(r.structuredContent.inspection.class_name, 'OrderedCollection');
  r = await ok(client, 'inspect', { object_id: id, offset: 0, limit: 2 });
  assert.equal(r.structuredContent.slots.length, 2);

  r = await ok(client, 'browse_class', { class_name: 'Counter', include_methods: true });
  assert.equal(r.structuredContent.class_info.package, 'Demo');
  assert.ok(r.structuredContent.instance_methods.some((m) => m.selector === 'increment'));

  r = await ok(client, 'get_method', { class_name: 'Counter', selector: 'exampleIncrement', class_side: true });
  assert.match(r.structuredContent.method.source, /c increment/);

  r = await ok(client, 'search_classes', { pattern: 'Counter' });
  assert.deepEqual(r.structuredContent.classes, ['Counter', 'CounterTest']);

  r = await ok(client, 'implementors', { selector: 'increment' });
  assert.deepEqual(r.structuredContent.methods.map((m) => m.class_name), ['Counter']);
  r = await ok(client, 'senders', { selector: 'increment' });
  assert.ok(r.structuredContent.methods.some((m) => m.class_name === 'CounterTest'));

  r = await ok(client, 'compile_method', { class_name: 'Counter', category: 'operations', source: 'reset\n\tcount := 0' });
  assert.equal(r.structuredContent.selector, 'reset');
  r = await ok(client, 'get_method', { class_name: 'Counter', selector: 'reset' });
  assert.equal(r.structuredContent.method.source, 'reset\n\tcount := 0');

  r = await ok(client, 'run_tests', { class_name: 'TallyTest' });
  const counts = r.structuredContent;
  assert.deepEqual([counts.passed, counts.failed, counts.errors, counts.skipped], [1, 1, 2, 1]);
  const failure = counts.results.find((t) => t.status === 'fail');
  assert.equal(failure.selector, 'testCarries');
  assert.equal(failure.message, 'Got 10 instead of 11.');
  assert.match(textOf(r), /FAIL TallyTest>>testCarries: Got 10 instead of 11\.\n(?: {2}TestAsserter>>.*\n)+ {2}TallyTest>>testCarries line 3/);
  r = await ok(client, 'run_tests', { class_name: 'TallyTest', selectors: ['testAdds'] });
  assert.equal(r.structuredContent.results.length, 1);

  r = await ok(client, 'system_info', {});
  assert.equal(r.structuredContent.image.image_name, 'stuitest.image');
  assert.equal(r.structuredContent.session_mode, 'shared');

  await waitForLog(/"tool": "compile_method", "arguments": "\{.*reset/, 2000);
});

test('an error in the image is a tool error the agent can read', async () => {
  let text = await fails(client, 'evaluate', { code: '(3 + 4' });
  assert.match(text, /SyntaxError/);
  assert.match(text, /line 1, column \d+/);
  text = await fails(client, 'evaluate', { code: '1 / 0' });
  assert.match(text, /RuntimeError/);
  assert.match(text, /ZeroDivide/);
  assert.match(text, /stack \(innermost first\):\n {2}SmallInteger>>\//);
  text = await fails(client, 'compile_method', { class_name: 'Counter', source: 'broken\n\t^ (1 +' });
  assert.match(text, /SyntaxError.*line 2/);
});

test('a cancelled call interrupts the evaluation in the image', async () => {
  const controller = new AbortController();
  const call = client.callTool({ name: 'evaluate', arguments: { code: '(Delay forSeconds: 20) wait' } }, undefined,
    { signal: controller.signal });
  await new Promise((r) => setTimeout(r, 1000)); // let it reach the image
  const start = Date.now();
  controller.abort();
  await assert.rejects(call);
  // The image answered the interrupt with one evaluation stopped.
  await waitForLog(/interrupted cancelled work.*"stopped": 1/, 5000);
  assert.ok(Date.now() - start < 5000);
  const r = await ok(client, 'evaluate', { code: '1 + 1' });
  assert.equal(r.structuredContent.result, '2');
});

test('--read-only refuses what would change the image', async () => {
  const readOnly = await connect(image.endpoint, '--read-only');
  try {
    const { tools } = await readOnly.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['browse_class', 'get_method', 'implementors', 'inspect',
      'search_classes', 'senders', 'system_info']);
    let text = await fails(readOnly, 'evaluate', { code: '3 + 4' });
    assert.match(text, /evaluate refused: .*--read-only/);
    text = await fails(readOnly, 'compile_method', { class_name: 'Counter', source: 'x\n\t^ 1' });
    assert.match(text, /compile_method refused/);
    text = await fails(readOnly, 'run_tests', { class_name: 'TallyTest' });
    assert.match(text, /run_tests refused/);
    await ok(readOnly, 'browse_class', { class_name: 'Counter' });
  } finally {
    await readOnly.close();
  }
});

test('the image goes down and comes back', async () => {
  await ok(client, 'evaluate', { code: 'kept := 5' });
  const endpoint = image.endpoint;
  await stopImage(image);
  let text = await fails(client, 'evaluate', { code: 'kept' });
  assert.match(text, /ImageUnavailable/);
  assert.ok(text.includes(endpoint), text);
  text = await fails(client, 'browse_class', { class_name: 'Counter' });
  assert.match(text, /ImageUnavailable/);

  image = await startImage(endpoint);
  // A new image process: the old session is gone, and the agent is told.
  const r = await ok(client, 'evaluate', { code: 'kept' });
  assert.equal(r.structuredContent.result, 'nil');
  assert.match(textOf(r), /no longer had session/);
  const again = await ok(client, 'evaluate', { code: '6 * 7' });
  assert.equal(again.structuredContent.result, '42');
});
