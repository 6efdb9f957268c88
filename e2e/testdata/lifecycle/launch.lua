-- Headless Neovim (0.7+) opens a folder whose .stui.json says how to start
-- the image, and nothing else: stui-lsp starts it, reports progress and
-- evaluates in it, and the image's Transcript arrives in the log channel.
-- e2e/lifecycle_launch_test.go runs it with STUI_LSP and STUI_TEST_WORKSPACE
-- set (and XDG_RUNTIME_DIR private to the test); it prints the image's pid,
-- "ok"/"not ok" lines, then PASS or FAIL.
local probe = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':h') .. '/probe.lua')
local out, check = probe.out, probe.check

local progress = {}
local default_progress = vim.lsp.handlers['$/progress']
vim.lsp.handlers['$/progress'] = function(err, result, ctx, config)
  if result and result.value then
    table.insert(progress, result.value.kind .. ':' .. (result.value.title or result.value.message or ''))
  end
  if default_progress then
    return default_progress(err, result, ctx, config)
  end
end

local logged = {}
vim.lsp.handlers['window/logMessage'] = function(_, result)
  if result and result.message then
    table.insert(logged, result.message)
  end
end

local bufnr, client = probe.start('play.st')

local function exec(command, arg)
  local res = client.request_sync('workspace/executeCommand', { command = command, arguments = { arg } }, 10000, bufnr)
  return res and res.result, res and res.err
end

local status
vim.wait(30000, function()
  status = exec('stui.status', vim.empty_dict())
  return status ~= nil and status.connected == true
end, 100)
check('stui-lsp connected to the image it started', status and status.connected, status)
check('on a private ipc endpoint', status and status.endpoint:match('^ipc://.*/stui/ws%-%x+/image%.sock$') ~= nil, status and status.endpoint)
local ended = false
for _, p in ipairs(progress) do
  ended = ended or p == 'end:the image answers'
end
check('the start was reported with $/progress', progress[1] == 'begin:stui: starting the image' and ended, progress)
local res, err = exec('stui.evaluate', { code = '3 + 4' })
check('3 + 4 evaluates to 7 in the started image', res and res.result == '7', res or err)

-- What the image writes to its Transcript arrives in the log channel.
exec('stui.evaluate', { code = "Transcript show: 'hello from the Transcript'" })
local seen = vim.wait(10000, function()
  for _, m in ipairs(logged) do
    if m == 'Transcript: hello from the Transcript' then
      return true
    end
  end
  return false
end, 20)
check('the Transcript streams to window/logMessage', seen, logged)

local pidfile = vim.fn.glob(os.getenv('XDG_RUNTIME_DIR') .. '/stui/ws-*/image.pid')
local f = io.open(pidfile, 'r')
if f then
  out('pid=' .. vim.trim(f:read('*a')))
  f:close()
end

-- Quitting the editor shuts stui-lsp down, which stops the image.
client.stop()
vim.wait(10000, function()
  return client.is_stopped()
end, 20)
probe.finish()
