-- End-to-end check of SUnit runs from headless Neovim with editors/neovim:
-- :StuiTest at a test method and with a class name puts the failures in the
-- quickfix list at their lines, against stui-testimage's TallyTest.
-- e2e/tests_editors_test.go runs it as
--   nvim --headless -u NONE -i NONE -c 'luafile tests.lua'
-- with STUI_LSP, STUI_TEST_ENDPOINT, STUI_TEST_WORKSPACE and STUI_EDITORS_DIR
-- set. It prints "ok"/"not ok" lines, then PASS or FAIL.
local failures = 0
local function out(s)
  io.stdout:write(s .. '\n')
end
local function check(name, ok, detail)
  if ok then
    out('ok - ' .. name)
  else
    failures = failures + 1
    out('not ok - ' .. name .. (detail ~= nil and (': ' .. vim.inspect(detail)) or ''))
  end
end
local env = function(n)
  local v = os.getenv(n)
  assert(v and v ~= '', 'set ' .. n)
  return v
end
local ws = env('STUI_TEST_WORKSPACE')
vim.opt.runtimepath:prepend(env('STUI_EDITORS_DIR') .. '/neovim')
vim.opt.swapfile = false
vim.cmd('filetype plugin on')
vim.cmd('runtime! plugin/stui.lua')

local stui = require('stui')
local tests = require('stui.tests')

local function main()
  stui.setup({ cmd = { env('STUI_LSP') }, endpoint = env('STUI_TEST_ENDPOINT') })
  local file = ws .. '/TallyTest.class.st'
  vim.cmd('edit ' .. file)
  local bufnr = vim.api.nvim_get_current_buf()
  local client
  vim.wait(10000, function()
    client = stui.client(bufnr)
    return client ~= nil and client.initialized
  end, 20)
  check('stui-lsp attached to the Tonel test file', client ~= nil)
  if not client then
    return
  end

  -- The cursor in testCarries: that test alone, which fails on line 18.
  local row
  for i, l in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if l:find('TallyTest >> testCarries', 1, true) then
      row = i
    end
  end
  vim.api.nvim_win_set_cursor(0, { row + 1, 1 })
  tests.last = nil
  vim.cmd('StuiTest')
  vim.wait(15000, function() return tests.last ~= nil end, 20)
  check(':StuiTest at a test method runs it', tests.last ~= nil and #tests.last.results == 1, tests.last)
  local qf = vim.fn.getqflist()
  check('the failure is in the quickfix list at its line', #qf == 1 and qf[1].lnum == 18 and
    vim.api.nvim_buf_get_name(qf[1].bufnr) == vim.api.nvim_buf_get_name(bufnr) and
    qf[1].text:find('Got 10 instead of 11.', 1, true) ~= nil, qf)
  local title = vim.fn.getqflist({ title = 1 }).title
  check('the quickfix title is the summary', title:find('0 passed, 1 failed', 1, true) ~= nil, title)

  -- The whole class by name: three of its five do not pass.
  tests.last = nil
  vim.cmd('StuiTest TallyTest')
  vim.wait(15000, function() return tests.last ~= nil end, 20)
  qf = vim.fn.getqflist()
  local lines = {}
  for _, item in ipairs(qf) do
    table.insert(lines, item.lnum)
  end
  check(':StuiTest TallyTest lists its failure and two errors', #qf == 3, qf)
  check('each at the failing line of its test', vim.deep_equal(lines, { 18, 23, 34 }), lines)
  check('the report counts every outcome', tests.last and tests.last.passed == 1 and tests.last.failed == 1
    and tests.last.errors == 2 and tests.last.skipped == 1, tests.last)
end

local ok, err = pcall(main)
check('the script ran to the end', ok, err)
out(failures == 0 and 'PASS' or ('FAIL (' .. failures .. ')'))
vim.cmd((failures == 0 and 'qall!' or 'cquit!'))
