// Drives the real `stui-lsp dap` binary with Microsoft's DebugClient
// (@vscode/debugadapter-testsupport), against the real cmd/stui-testimage
// (a test backend speaking the STUI protocol over ZeroMQ, whose debugger is
// a model: see stuiclient/stuitest/debug.go).
//
// Run by e2e/dap_test.go, which builds the binaries, starts one image and
// sets STUI_LSP_BIN, STUI_TESTIMAGE_BIN, STUI_ENDPOINT and DAP_WORKSPACE.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import { DebugClient } from '@vscode/debugadapter-testsupport';

const lspBin = process.env.STUI_LSP_BIN;
const imageBin = process.env.STUI_TESTIMAGE_BIN;
const endpoint = process.env.STUI_ENDPOINT;
const workspace = process.env.DAP_WORKSPACE;
assert.ok(lspBin && imageBin && endpoint && workspace, 'set STUI_LSP_BIN, STUI_TESTIMAGE_BIN, STUI_ENDPOINT and DAP_WORKSPACE (e2e/dap_test.go does)');

const scratch = mkdtempSync(join(tmpdir(), 'stui-e2e-dap-'));
const images = [];
// stop() disconnects (the adapter then removes its breakpoints and ends the
// process) and ends the adapter: the tests do not disconnect themselves.
//
// The DebugClient's requests have no timeout, and the adapter's pipes alone
// do not keep node's test runner waiting for a reply: a timer does.
const keepAlive = setInterval(() => {}, 1000);
after(() => {
  clearInterval(keepAlive);
  for (const p of images) if (p.exitCode === null) p.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

// The DebugClient spawns runtime [executable]: a small script lets the
// adapter run with flags of the test's own.
const adapter = join(scratch, 'adapter.sh');
writeFileSync(adapter, `#!/bin/sh\nexec "${lspBin}" dap --call-timeout 2s\n`, { mode: 0o755 });

function client() {
  const dc = new DebugClient('sh', adapter, 'stui', {
    env: { ...process.env, XDG_CACHE_HOME: join(scratch, 'cache') },
  }, !!process.env.DAP_STDERR);
  dc.defaultTimeout = 10000;
  return dc;
}

function startImage() {
  const proc = spawn(imageBin, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  images.push(proc);
  return new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout }).once('line', (line) => resolve({ proc, endpoint: line.trim() }));
    proc.once('exit', (code) => reject(new Error(`stui-testimage exited with ${code}`)));
  });
}

async function topFrames(dc) {
  const st = await dc.stackTraceRequest({ threadId: 1 });
  return st.body.stackFrames;
}

test('launch stops on an error; stack, variables, evaluate in a frame, step, restart frame, continue, terminate', async () => {
  const dc = client();
  await dc.start();
  try {
    const code = '| total | total := 6 * 7.\ntotal / 0.\ntotal + 1';
    const [stopped] = await Promise.all([
      dc.waitForEvent('stopped'),
      dc.configurationSequence(),
      dc.launch({ expression: code, cwd: workspace }),
    ]);
    assert.equal(stopped.body.reason, 'exception');
    assert.match(stopped.body.text, /ZeroDivide/);

    const threads = await dc.threadsRequest();
    assert.equal(threads.body.threads.length, 1);

    let frames = await topFrames(dc);
    assert.equal(frames[0].name, 'SmallInteger>>/');
    // The test image has no source for SmallInteger>>/: the reply says so
    // instead of failing (an editor shows a failed reply as an error, at
    // every stop).
    const primitive = await dc.sourceRequest({ sourceReference: frames[0].source.sourceReference, source: frames[0].source });
    assert.match(primitive.body.content, /source of SmallInteger>>\/ is not available/);
    const doit = frames[frames.length - 1];
    assert.equal(doit.name, 'UndefinedObject>>DoIt');
    assert.equal(doit.line, 2);
    const src = await dc.sourceRequest({ sourceReference: doit.source.sourceReference, source: doit.source });
    assert.equal(src.body.content, code);

    const scopes = await dc.scopesRequest({ frameId: doit.id });
    const vars = await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
    const total = vars.body.variables.find((v) => v.name === 'total');
    assert.deepEqual([total.value, total.type], ['42', 'SmallInteger']);
    assert.equal(vars.body.variables[0].name, 'self');

    const ev = await dc.evaluateRequest({ expression: 'total - 2', frameId: doit.id, context: 'watch' });
    assert.equal(ev.body.result, '40');
    const repl = await dc.evaluateRequest({ expression: '3 + 4', context: 'repl' });
    assert.equal(repl.body.result, '7');

    await Promise.all([dc.nextRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    frames = await topFrames(dc);
    assert.equal(frames.length, 1);
    assert.equal(frames[0].line, 3);

    await Promise.all([dc.restartFrameRequest({ frameId: frames[0].id }), dc.waitForEvent('stopped')]);
    frames = await topFrames(dc);
    assert.equal(frames[0].line, 1);

    const [again] = await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: 1 })]);
    assert.equal(again.body.reason, 'exception');

    await Promise.all([dc.waitForEvent('terminated'), dc.terminateRequest({})]);
  } finally {
    await dc.stop();
  }
});

test('a launched expression that returns prints its result and ends', async () => {
  const dc = client();
  await dc.start();
  try {
    const [, , , out] = await Promise.all([
      dc.configurationSequence(),
      dc.launch({ expression: '3 + 4', cwd: workspace }),
      dc.waitForEvent('terminated'),
      dc.assertOutput('console', '7'),
    ]);
    assert.ok(out);
  } finally {
    await dc.stop();
  }
});

test('breakpoints in a Tonel file are set in the image when the session starts', async () => {
  const dc = client();
  await dc.start();
  try {
    await dc.initializeRequest({ adapterID: 'stui', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const path = join(workspace, 'Counter.class.st');
    const set = await dc.setBreakpointsRequest({ source: { path }, breakpoints: [{ line: 11 }, { line: 2 }] });
    assert.equal(set.body.breakpoints.length, 2);
    assert.ok(!set.body.breakpoints[0].verified, 'verified before the image was reached');
    const changed = [];
    dc.on('breakpoint', (e) => changed.push(e.body.breakpoint));
    await Promise.all([dc.launchRequest({ expression: 'self halt', cwd: workspace }), dc.configurationDoneRequest(), dc.waitForEvent('stopped')]);
    const inMethod = changed.find((b) => b.id === set.body.breakpoints[0].id);
    const outside = changed.find((b) => b.id === set.body.breakpoints[1].id);
    assert.ok(inMethod && inMethod.verified, `breakpoint in increment: ${JSON.stringify(changed)}`);
    assert.equal(inMethod.line, 11);
    assert.ok(outside && !outside.verified, 'a line outside any method is not verified');
    // Set again once connected: verified in the reply.
    const again = await dc.setBreakpointsRequest({ source: { path }, breakpoints: [{ line: 10 }] });
    assert.ok(again.body.breakpoints[0].verified);
    assert.equal(again.body.breakpoints[0].line, 11, 'a comment line moves to the next statement');
  } finally {
    await dc.stop();
  }
});

test('a breakpoint in a workspace Tonel file stops the method at that line; steps and continue go on from there', async () => {
  const dc = client();
  await dc.start();
  try {
    await dc.initializeRequest({ adapterID: 'stui', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const path = join(workspace, 'Counter.class.st');
    await dc.setBreakpointsRequest({ source: { path }, breakpoints: [{ line: 11 }] });
    const code = 'c := Counter new.\nc increment.\nc increment.\nc count';
    const [stopped] = await Promise.all([
      dc.waitForEvent('stopped'),
      dc.launchRequest({ expression: code, cwd: workspace }),
      dc.configurationDoneRequest(),
    ]);
    assert.equal(stopped.body.reason, 'breakpoint');
    let frames = await topFrames(dc);
    assert.equal(frames[0].name, 'Counter>>increment');
    assert.equal(frames[0].source.path, path);
    assert.equal(frames[0].line, 11);
    assert.equal(frames[1].name, 'UndefinedObject>>DoIt');
    assert.equal(frames[1].line, 2);

    const scopes = await dc.scopesRequest({ frameId: frames[0].id });
    const vars = await dc.variablesRequest({ variablesReference: scopes.body.scopes[0].variablesReference });
    assert.deepEqual(vars.body.variables.map((v) => [v.name, v.value]), [['self', 'a Counter'], ['count', 'nil']]);
    const ev = await dc.evaluateRequest({ expression: 'self count + 10', frameId: frames[0].id, context: 'watch' });
    assert.equal(ev.body.result, '10');

    // Out of the method: the DoIt's next statement.
    await Promise.all([dc.stepOutRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    frames = await topFrames(dc);
    assert.deepEqual([frames[0].name, frames[0].line], ['UndefinedObject>>DoIt', 3]);
    // Into the second send: the method's statement, in the file again.
    await Promise.all([dc.stepInRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    frames = await topFrames(dc);
    assert.deepEqual([frames[0].name, frames[0].source.path, frames[0].line], ['Counter>>increment', path, 11]);

    await Promise.all([
      dc.continueRequest({ threadId: 1 }),
      dc.waitForEvent('terminated'),
      dc.assertOutput('console', '2'),
    ]);
  } finally {
    await dc.stop();
  }
});

test('a breakpoint in a method the image has in another version is not verified and does not stop', async () => {
  // The file's increment has a statement the image's lacks: line 11 is the
  // method's third line, which in the image's copy is another statement.
  const edited = join(scratch, 'edited');
  mkdirSync(edited, { recursive: true });
  const path = join(edited, 'Counter.class.st');
  writeFileSync(path, "Class {\n\t#name : #Counter,\n\t#superclass : #Object,\n\t#instVars : [ 'count' ],\n\t#category : #Demo\n}\n\n" +
    "{ #category : #operations }\nCounter >> increment [\n\t\"Add one to my count.\"\n\tTranscript show: 'one more'.\n\tcount := self count + 1\n]\n");
  const dc = client();
  await dc.start();
  try {
    await dc.initializeRequest({ adapterID: 'stui', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await dc.launchRequest({ expression: 'Counter new increment; count', cwd: edited });
    const set = await dc.setBreakpointsRequest({ source: { path }, breakpoints: [{ line: 11 }] });
    const [bp] = set.body.breakpoints;
    assert.ok(!bp.verified, `verified: ${JSON.stringify(bp)}`);
    assert.match(bp.message, /Counter>>increment differs from the file: save \(compile\) the method first/);
    await Promise.all([dc.configurationDoneRequest(), dc.waitForEvent('terminated'), dc.assertOutput('console', '1')]);
  } finally {
    await dc.stop();
  }
});

// until waits up to 10 s for cond.
async function until(cond, what) {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(cond(), what());
}

// languageServer runs the real `stui-lsp serve` on an endpoint, as an
// editor does, with just enough of a client for a save: requests, the
// server's own requests answered with null, notifications in and out.
function languageServer(endpoint) {
  const proc = spawn(lspBin, ['--endpoint', endpoint], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, XDG_CACHE_HOME: join(scratch, 'lsp-cache'), STUI_TOKEN: '' },
  });
  images.push(proc);
  let buffer = Buffer.alloc(0);
  let nextId = 1;
  const waiting = new Map();
  const notified = [];
  const write = (msg) => {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...msg }));
    proc.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    proc.stdin.write(body);
  };
  proc.stdout.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, end).toString())[1]);
      if (buffer.length < end + 4 + length) return;
      const msg = JSON.parse(buffer.subarray(end + 4, end + 4 + length).toString());
      buffer = buffer.subarray(end + 4 + length);
      if (msg.method && msg.id !== undefined) write({ id: msg.id, result: null });
      else if (msg.method) notified.push(msg);
      else waiting.get(msg.id)?.(msg);
    }
  });
  return {
    request: (method, params) => new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, (msg) => (msg.error ? reject(new Error(msg.error.message)) : resolve(msg.result)));
      write({ id, method, params });
    }),
    notify: (method, params) => write({ method, params }),
    notified,
    async stop() {
      await this.request('shutdown', null);
      this.notify('exit', null);
    },
  };
}

test('a breakpoint survives a save that the language server compiles: set again on the new method, it stops there', async () => {
  // An image of its own: the save changes its Counter>>increment.
  const image = await startImage();
  const saved = join(scratch, 'saved');
  mkdirSync(saved, { recursive: true });
  const path = join(saved, 'Counter.class.st');
  const original = readFileSync(join(workspace, 'Counter.class.st'), 'utf8');
  writeFileSync(path, original);
  const dc = client();
  const changed = [];
  dc.on('breakpoint', (e) => changed.push(e.body.breakpoint));
  await dc.start();
  const lsp = languageServer(image.endpoint);
  try {
    await dc.initializeRequest({ adapterID: 'stui', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const set = await dc.setBreakpointsRequest({ source: { path }, breakpoints: [{ line: 11 }] });
    const id = set.body.breakpoints[0].id;
    await dc.launchRequest({ expression: 'c := Counter new.\nc increment.\nc increment.\nc count', cwd: saved, endpoint: image.endpoint });
    // Set in the image after launch's reply.
    await until(() => changed.some((b) => b.id === id && b.verified && b.line === 11), () => `at launch: ${JSON.stringify(changed)}`);

    // Line 11 changes, no line moves (so the editor sends no
    // setBreakpoints), the file is saved and the language server compiles.
    const uri = pathToFileURL(path).href;
    await lsp.request('initialize', { processId: process.pid, rootUri: pathToFileURL(saved).href, capabilities: {},
      workspaceFolders: [{ uri: pathToFileURL(saved).href, name: 'saved' }] });
    lsp.notify('initialized', {});
    lsp.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'smalltalk', version: 1, text: original } });
    const edited = original.replace('count := self count + 1', 'count := self count + 2');
    assert.notEqual(edited, original);
    lsp.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
    changed.length = 0;
    writeFileSync(path, edited);
    lsp.notify('textDocument/didSave', { textDocument: { uri } });

    // The adapter tells when the breakpoint holds again.
    await until(() => changed.some((b) => b.id === id && b.verified), () => `after the save: ${JSON.stringify(changed)}`);
    assert.equal(changed.filter((b) => b.id === id).pop().line, 11);

    const [stopped] = await Promise.all([dc.waitForEvent('stopped'), dc.configurationDoneRequest()]);
    assert.equal(stopped.body.reason, 'breakpoint');
    for (const want of ['nil', '2']) {
      const frames = await topFrames(dc);
      assert.deepEqual([frames[0].name, frames[0].source.path, frames[0].line], ['Counter>>increment', path, 11]);
      const ev = await dc.evaluateRequest({ expression: 'count', frameId: frames[0].id, context: 'watch' });
      assert.equal(ev.body.result, want);
      if (want === 'nil') await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: 1 })]);
    }
    // The new method ran: 2 a send.
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated'), dc.assertOutput('console', '4')]);
  } finally {
    await lsp.stop().catch(() => {});
    await dc.stop();
  }
});

test('a step that raises an error stops with reason exception and the error', async () => {
  const dc = client();
  await dc.start();
  try {
    await Promise.all([dc.waitForEvent('stopped'), dc.configurationSequence(), dc.launch({ expression: 'self halt.\n1 / 0.\n3', cwd: workspace })]);
    const [step] = await Promise.all([dc.waitForEvent('stopped'), dc.nextRequest({ threadId: 1 })]);
    assert.equal(step.body.reason, 'step');
    const [raised] = await Promise.all([dc.waitForEvent('stopped'), dc.nextRequest({ threadId: 1 })]);
    assert.equal(raised.body.reason, 'exception');
    assert.match(raised.body.text, /ZeroDivide/);
    const frames = await topFrames(dc);
    assert.equal(frames[0].name, 'SmallInteger>>/');
    await Promise.all([dc.waitForEvent('terminated'), dc.terminateRequest({})]);
  } finally {
    await dc.stop();
  }
});

test('pause interrupts running code, which stops with reason pause', async () => {
  const dc = client();
  await dc.start();
  try {
    await Promise.all([dc.configurationSequence(), dc.launch({ expression: '(Delay forSeconds: 20) wait. 3 + 4', cwd: workspace })]);
    // A pause that reaches the image before the evaluation starts there
    // stops nothing: pause until the stop comes.
    let stopped;
    dc.waitForEvent('stopped', 15000).then((e) => { stopped = e; }, () => {});
    for (let i = 0; i < 40 && !stopped; i++) {
      await dc.pauseRequest({ threadId: 1 });
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(stopped, 'no stopped event after pausing');
    assert.equal(stopped.body.reason, 'pause');
    const frames = await topFrames(dc);
    assert.equal(frames[frames.length - 1].name, 'UndefinedObject>>DoIt');
  } finally {
    await dc.stop();
  }
});

test('attach with waitForError joins the next process that stops in the image', async () => {
  const watcher = client();
  const culprit = client();
  await watcher.start();
  await culprit.start();
  try {
    await watcher.initializeRequest();
    await watcher.attachRequest({ waitForError: true, cwd: workspace });
    await watcher.configurationDoneRequest();
    const seen = watcher.waitForEvent('stopped', 15000);
    await Promise.all([culprit.configurationSequence(), culprit.launch({ expression: "Error signal: 'raised elsewhere'", cwd: workspace }), culprit.waitForEvent('stopped')]);
    const stopped = await seen;
    assert.equal(stopped.body.reason, 'exception');
    assert.match(stopped.body.text, /raised elsewhere/);
    const frames = await topFrames(watcher);
    assert.ok(frames.length > 0);
  } finally {
    await culprit.stop();
    await watcher.stop();
  }
});

test('malformed input gets an error reply and the adapter goes on', async () => {
  const dc = client();
  await dc.start();
  try {
    await dc.initializeRequest();
    await assert.rejects(dc.customRequest('frobnicate', {}), /frobnicate/);
    await assert.rejects(dc.launchRequest({}), /expression/);
    await assert.rejects(dc.stackTraceRequest({ threadId: 1 }), /not suspended/);
    const threads = await dc.threadsRequest();
    assert.equal(threads.body.threads.length, 1);
  } finally {
    await dc.stop();
  }
});

test('the image dies mid-session: requests fail with a reason, then the session ends', async () => {
  const image = await startImage();
  const dc = client();
  await dc.start();
  try {
    await Promise.all([
      dc.waitForEvent('stopped'),
      dc.configurationSequence(),
      dc.launch({ expression: 'self halt', cwd: workspace, endpoint: image.endpoint }),
    ]);
    image.proc.kill('SIGKILL');
    await assert.rejects(dc.stackTraceRequest({ threadId: 1 }), /does not answer|timed out|unavailable/);
    await dc.waitForEvent('terminated', 30000);
    const threads = await dc.threadsRequest();
    assert.equal(threads.body.threads.length, 1, 'the adapter still answers');
  } finally {
    await dc.stop();
  }
});

test('the image is down before launch: launch fails with a reason', async () => {
  const image = await startImage();
  image.proc.kill('SIGKILL');
  await new Promise((r) => image.proc.once('exit', r));
  const dc = client();
  await dc.start();
  try {
    await dc.initializeRequest();
    await assert.rejects(dc.launchRequest({ expression: '3 + 4', cwd: workspace, endpoint: image.endpoint }), /does not answer|timed out|unavailable/);
  } finally {
    await dc.stop();
  }
});
