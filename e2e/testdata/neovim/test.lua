-- End-to-end check of stui-lsp with headless Neovim and editors/neovim.
-- e2e/editors_test.go runs it as: nvim --headless -u NONE -c 'luafile test.lua'
-- with STUI_LSP, STUI_TEST_ENDPOINT, STUI_DEAD_ENDPOINT, STUI_TEST_WORKSPACE
-- and STUI_EDITORS_DIR set. It prints "ok"/"not ok" lines, then PASS or FAIL,
-- and quits with a non-zero status on failure.
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
local function finish()
  out(failures == 0 and 'PASS' or ('FAIL (' .. failures .. ')'))
  vim.cmd((failures == 0 and 'qall!' or 'cquit!'))
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

local function wait(ms, cond)
  return vim.wait(ms, cond, 20)
end

-- request sends an LSP request through the client and waits for it.
local function request(client, bufnr, method, params)
  local res = client.request_sync(method, params, 10000, bufnr)
  if not res then
    return nil, 'timeout'
  end
  return res.result, res.err
end

local function exec(client, bufnr, command, arg)
  return request(client, bufnr, 'workspace/executeCommand', { command = command, arguments = { arg } })
end

-- col is the 0-based byte column of needle on line row (1-based).
local function col(bufnr, row, needle)
  local line = vim.api.nvim_buf_get_lines(bufnr, row - 1, row, false)[1]
  return assert(line:find(needle, 1, true), 'no ' .. needle) - 1
end

local function live()
  stui.setup({ cmd = { env('STUI_LSP') }, endpoint = env('STUI_TEST_ENDPOINT') })
  vim.cmd('edit ' .. ws .. '/playground.st')
  local bufnr = vim.api.nvim_get_current_buf()
  check('ftdetect: a .st playground is filetype smalltalk', vim.bo.filetype == 'smalltalk', vim.bo.filetype)

  local client
  wait(10000, function()
    client = stui.client(bufnr)
    return client ~= nil and client.initialized
  end)
  check('the plugin started stui-lsp and attached it', client ~= nil and client.initialized)
  if not client then
    return
  end
  local connected, status = false, nil
  for _ = 1, 100 do
    local st, serr = exec(client, bufnr, 'stui.status', vim.empty_dict())
    connected = st ~= nil and st.connected == true
    status = st or serr
    if connected then
      break
    end
    vim.wait(100)
  end
  check('stui.status reports the connected image', connected, status)

  -- Hover on Counter, after "café 😀" on the same line.
  vim.api.nvim_win_set_cursor(0, { 2, col(bufnr, 2, 'Counter') })
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  check('the cursor position is sent in UTF-16 (column 10, not byte 13)', params.position.character == 10, params.position)
  local hover, herr = request(client, bufnr, 'textDocument/hover', params)
  local text = hover and hover.contents and (hover.contents.value or vim.inspect(hover.contents)) or vim.inspect(herr)
  check("hover on Counter shows the image's class: superclass and comment",
    text:find('Object', 1, true) and text:find('café', 1, true) and text:find('my comment is not ASCII', 1, true), text)

  -- Code lenses, through the plugin's refresh.
  vim.lsp.codelens.refresh()
  local lenses
  wait(5000, function()
    lenses = vim.lsp.codelens.get(bufnr)
    return lenses and #lenses >= 3
  end)
  local titles = {}
  for _, l in ipairs(lenses or {}) do
    titles[l.command and l.command.title or '?'] = true
  end
  check('code lenses: Evaluate | Print it | Inspect it', titles['Evaluate'] and titles['Print it'] and titles['Inspect it'], lenses)

  -- :StuiEval at the cursor.
  stui.last = nil
  vim.api.nvim_win_set_cursor(0, { 3, col(bufnr, 3, '3 + 4') })
  vim.cmd('StuiEval')
  wait(10000, function() return stui.last ~= nil end)
  check(':StuiEval evaluates the statement at the cursor: 7', stui.last and stui.last.result == '7', stui.last)
  local marks = vim.api.nvim_buf_get_extmarks(bufnr, vim.api.nvim_create_namespace('stui'), { 2, 0 }, { 2, -1 }, { details = true })
  check(':StuiEval shows the result at the end of the line', #marks == 1, marks)

  -- :StuiPrint: the server edits the buffer through workspace/applyEdit.
  stui.last = nil
  vim.api.nvim_win_set_cursor(0, { 4, col(bufnr, 4, '6 * 7') })
  vim.cmd('StuiPrint')
  wait(10000, function() return stui.last ~= nil end)
  check(':StuiPrint answers 42', stui.last and stui.last.result == '42' and stui.last.inserted, stui.last)
  local line4 = vim.api.nvim_buf_get_lines(bufnr, 3, 4, false)[1]
  check(':StuiPrint inserts "42" after the statement', line4 == '"café 😀" 6 * 7 "42".', line4)

  -- Visual selection: evaluate only "3 + 4" of line 3, selected by bytes.
  stui.last = nil
  local c3 = col(bufnr, 3, '3 + 4')
  vim.api.nvim_win_set_cursor(0, { 3, c3 })
  vim.cmd('normal! v4l\27')
  vim.cmd("'<,'>StuiEval")
  wait(10000, function() return stui.last ~= nil end)
  check(':StuiEval on a visual selection', stui.last and stui.last.result == '7', stui.last)

  -- :StuiInspect and drilling down with <CR>.
  stui.last = nil
  vim.api.nvim_win_set_cursor(0, { 5, col(bufnr, 5, '(1 to: 3)') })
  vim.cmd('StuiInspect')
  wait(10000, function() return stui.last ~= nil end)
  local first = stui.last
  check(':StuiInspect opens the inspector on an OrderedCollection',
    first and first.object_info and first.object_info.class_name == 'OrderedCollection' and vim.bo.filetype == 'stui-inspector', first)
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  local row
  for i, l in ipairs(lines) do
    if l:match('^array') then
      row = i
    end
  end
  check('the inspector lists the array slot with its object id', row ~= nil, lines)
  if row then
    stui.last = nil
    vim.api.nvim_win_set_cursor(0, { row, 0 })
    vim.cmd('execute "normal \\<CR>"')
    wait(10000, function() return stui.last ~= nil end)
    check('<CR> on the slot inspects its object',
      stui.last and stui.last.object_id and stui.last.object_id ~= first.object_id and stui.last.object_info.class_name ~= nil, stui.last)
  end
  vim.cmd('wincmd p')

  -- Syntax error from an evaluation, placed in UTF-16 columns.
  vim.cmd('edit ' .. ws .. '/broken.st')
  local broken = vim.api.nvim_get_current_buf()
  wait(5000, function() return stui.client(broken) ~= nil end)
  stui.last = nil
  local c = col(broken, 1, '3 +')
  vim.api.nvim_win_set_cursor(0, { 1, c })
  vim.cmd('normal! v2l\27')
  vim.cmd("'<,'>StuiEval")
  wait(10000, function() return stui.last ~= nil end)
  check('evaluating "3 +" fails with a SyntaxError', stui.last and stui.last.error and stui.last.error:find('SyntaxError'), stui.last)
  local diag
  wait(5000, function()
    for _, d in ipairs(vim.diagnostic.get(broken)) do
      if d.source == 'stui evaluate' then
        diag = d
      end
    end
    return diag ~= nil
  end)
  -- vim.diagnostic columns are bytes: UTF-16 column 13 is byte 16.
  check('the syntax error is a diagnostic just after the "+"', diag and diag.lnum == 0 and diag.col == c + 3, vim.diagnostic.get(broken))

  -- Tonel: filetype and the <example> lens.
  vim.cmd('edit ' .. ws .. '/src/Demo/Counter.class.st')
  local tonel = vim.api.nvim_get_current_buf()
  check('ftdetect: a .class.st file is filetype tonel', vim.bo.filetype == 'tonel', vim.bo.filetype)
  wait(5000, function() return stui.client(tonel) ~= nil end)
  local tl = request(client, tonel, 'textDocument/codeLens', { textDocument = { uri = vim.uri_from_bufnr(tonel) } })
  check('code lenses on the <example> method of the Tonel class', tl and #tl == 3, tl)

  vim.lsp.stop_client(client.id)
  wait(3000, function() return client.is_stopped() end)
end

local function image_down()
  stui.setup({ cmd = { env('STUI_LSP'), '--endpoint', env('STUI_DEAD_ENDPOINT') }, endpoint = '' })
  vim.cmd('%bwipeout!')
  vim.cmd('edit ' .. ws .. '/playground.st')
  local bufnr = vim.api.nvim_get_current_buf()
  local client
  wait(10000, function()
    client = stui.client(bufnr)
    return client ~= nil and client.initialized
  end)
  if not client then
    check('stui-lsp started for the image-down case', false)
    return
  end
  vim.api.nvim_win_set_cursor(0, { 2, col(bufnr, 2, 'Counter') })
  local t0 = vim.loop.hrtime()
  local hover = request(client, bufnr, 'textDocument/hover', vim.lsp.util.make_position_params(0, client.offset_encoding))
  local ms = (vim.loop.hrtime() - t0) / 1e6
  local text = hover and hover.contents and (hover.contents.value or '') or ''
  check(string.format('with no image, hover answers quickly (%d ms) with "image not connected"', ms),
    ms < 3000 and text:find('image not connected', 1, true), text)
  vim.lsp.stop_client(client.id)
end

local ok, err = pcall(function()
  live()
  image_down()
end)
check('no unexpected error', ok, err)
finish()
