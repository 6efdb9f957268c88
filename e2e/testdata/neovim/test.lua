-- End-to-end check of stui-lsp with headless Neovim and editors/neovim, for
-- every Neovim from 0.7 (Debian 12) to 0.12 (Debian testing).
-- e2e/editors_test.go and e2e/current_editors_test.go run it as:
--   nvim --headless -u NONE -c 'luafile test.lua'
-- with STUI_LSP, STUI_TEST_ENDPOINT, STUI_DEAD_ENDPOINT, STUI_TEST_WORKSPACE
-- and STUI_EDITORS_DIR set (STUI_TESTIMAGE and STUI_RESTART_ENDPOINT for the
-- image-down-and-back case). It prints "ok"/"not ok" lines, then PASS or
-- FAIL, and quits with a non-zero status on failure.
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
local has = function(version)
  return vim.fn.has('nvim-' .. version) == 1
end
local uv = vim.uv or vim.loop
local ws = env('STUI_TEST_WORKSPACE')
vim.opt.runtimepath:prepend(env('STUI_EDITORS_DIR') .. '/neovim')
vim.opt.swapfile = false
vim.cmd('filetype plugin on')
vim.cmd('runtime! plugin/stui.lua')
out('# ' .. vim.split(vim.fn.execute('version'), '\n')[2])

local stui = require('stui')

local function wait(ms, cond)
  return vim.wait(ms, cond, 20)
end

-- request sends an LSP request through the client and waits for it.
local function request(client, bufnr, method, params)
  local res
  if has('0.11') then
    res = client:request_sync(method, params, 10000, bufnr)
  else
    res = client.request_sync(method, params, 10000, bufnr)
  end
  if not res then
    return nil, 'timeout'
  end
  return res.result, res.err
end

local function exec(client, bufnr, command, arg)
  return request(client, bufnr, 'workspace/executeCommand', { command = command, arguments = { arg } })
end

local function stop(client)
  if has('0.11') then
    client:stop()
    wait(3000, function() return client:is_stopped() end)
  else
    vim.lsp.stop_client(client.id)
    wait(3000, function() return client.is_stopped() end)
  end
end

local function lenses_of(bufnr)
  if has('0.12') then
    local list = {}
    for _, item in ipairs(vim.lsp.codelens.get({ bufnr = bufnr })) do
      table.insert(list, item.lens)
    end
    return list
  end
  return vim.lsp.codelens.get(bufnr)
end

-- col is the 0-based byte column of needle on line row (1-based).
local function col(bufnr, row, needle)
  local line = vim.api.nvim_buf_get_lines(bufnr, row - 1, row, false)[1]
  return assert(line:find(needle, 1, true), 'no ' .. needle) - 1
end

local function line_of(bufnr, row)
  return vim.api.nvim_buf_get_lines(bufnr, row - 1, row, false)[1]
end

local function attached(bufnr)
  local client
  wait(10000, function()
    client = stui.client(bufnr)
    return client ~= nil and client.initialized
  end)
  return client
end

local function connected(client, bufnr)
  local ok, status = false, nil
  wait(10000, function()
    local st, serr = exec(client, bufnr, 'stui.status', vim.empty_dict())
    ok = st ~= nil and st.connected == true
    status = st or serr
    return ok
  end)
  return ok, status
end

-- shown tells whether an evaluation result is drawn after line row (1-based),
-- and how many times: the server's inlay hint on 0.10+, else the plugin's
-- virtual text.
local function shown(bufnr, row, text)
  local count = 0
  if has('0.10') then
    for _, h in ipairs(vim.lsp.inlay_hint.get({ bufnr = bufnr })) do
      local label = h.inlay_hint.label
      if type(label) == 'table' then
        label = label[1] and label[1].value or ''
      end
      if h.inlay_hint.position.line == row - 1 and label:find(text, 1, true) then
        count = count + 1
      end
    end
  end
  local ns = vim.api.nvim_create_namespace('stui')
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(bufnr, ns, { row - 1, 0 }, { row - 1, -1 }, { details = true })) do
    local vt = m[4].virt_text
    if vt and vt[1] and vt[1][1]:find(text, 1, true) then
      count = count + 1
    end
  end
  return count
end

local function live()
  -- The workspace has a .project file at its root: the root is the
  -- workspace, not its parent (a file marker, not a directory).
  stui.setup({ cmd = { env('STUI_LSP') }, endpoint = env('STUI_TEST_ENDPOINT') })
  vim.cmd('edit ' .. ws .. '/playground.st')
  local bufnr = vim.api.nvim_get_current_buf()
  check('ftdetect: a .st playground is filetype smalltalk', vim.bo.filetype == 'smalltalk', vim.bo.filetype)

  local client = attached(bufnr)
  check('the plugin started stui-lsp and attached it', client ~= nil)
  if not client then
    return
  end
  check('the root is the folder holding the .project file', client.config.root_dir == ws, client.config.root_dir)
  local ok, status = connected(client, bufnr)
  check('stui.status reports the connected image', ok, status)

  -- Hover on Counter, after "café 😀" on the same line.
  vim.api.nvim_win_set_cursor(0, { 2, col(bufnr, 2, 'Counter') })
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  local want = ({ ['utf-8'] = 13, ['utf-16'] = 10, ['utf-32'] = 9 })[client.offset_encoding]
  check('the cursor position is sent in the agreed encoding (' .. client.offset_encoding .. ')', params.position.character == want, params.position)
  local hover, herr = request(client, bufnr, 'textDocument/hover', params)
  local text = hover and hover.contents and (hover.contents.value or vim.inspect(hover.contents)) or vim.inspect(herr)
  check("hover on Counter shows the image's class: superclass and comment",
    text:find('Object', 1, true) and text:find('café', 1, true) and text:find('my comment is not ASCII', 1, true), text)

  local lenses
  if not has('0.12') then
    vim.lsp.codelens.refresh()
  end
  wait(5000, function()
    lenses = lenses_of(bufnr)
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
  wait(3000, function() return shown(bufnr, 3, '7') > 0 end)
  check(':StuiEval shows the result once at the end of the line', shown(bufnr, 3, '7') == 1, shown(bufnr, 3, '7'))

  -- :StuiPrint right after typing: the server sees the new text.
  stui.last = nil
  vim.api.nvim_win_set_cursor(0, { 4, col(bufnr, 4, '7.') })
  vim.cmd('normal! a0')
  vim.cmd('StuiPrint')
  wait(10000, function() return stui.last ~= nil end)
  check(':StuiPrint right after typing evaluates the new text: 420', stui.last and stui.last.result == '420' and stui.last.inserted, stui.last)
  check(':StuiPrint inserts "420" after the statement', line_of(bufnr, 4) == '"café 😀" 6 * 70 "420".', line_of(bufnr, 4))
  stui.last = nil
  vim.api.nvim_win_set_cursor(0, { 4, col(bufnr, 4, '6 * 70') })
  vim.cmd('StuiPrint')
  wait(10000, function() return stui.last ~= nil end)
  check(':StuiPrint twice on the same line', line_of(bufnr, 4) == '"café 😀" 6 * 70 "420" "420".', line_of(bufnr, 4))

  -- Visual selection: evaluate only "3 + 4" of line 3, selected by bytes.
  stui.last = nil
  vim.api.nvim_win_set_cursor(0, { 3, col(bufnr, 3, '3 + 4') })
  vim.cmd('normal! v4l\27')
  vim.cmd("'<,'>StuiEval")
  wait(10000, function() return stui.last ~= nil end)
  check(':StuiEval on a visual selection', stui.last and stui.last.result == '7', stui.last)

  -- Whole-line selection: the result goes at the end of that line.
  stui.last = nil
  vim.api.nvim_win_set_cursor(0, { 3, 0 })
  vim.cmd('normal! V\27')
  vim.cmd("'<,'>StuiPrint")
  wait(10000, function() return stui.last ~= nil end)
  check(':StuiPrint on a whole-line selection puts the result at the end of the line',
    stui.last and stui.last.result == '7' and line_of(bufnr, 3) == '"café 😀" 3 + 4. "7"' and line_of(bufnr, 4):find('^"café'),
    { stui.last, line_of(bufnr, 3), line_of(bufnr, 4) })

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

  -- Completion, definition, references and symbols through the client.
  vim.api.nvim_buf_set_lines(bufnr, 5, 5, false, { 'Coun' })
  local comp = request(client, bufnr, 'textDocument/completion', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = 5, character = 4 },
  })
  local labels = {}
  for _, item in ipairs((comp and (comp.items or comp)) or {}) do
    labels[item.label] = true
  end
  check('completion of "Coun" offers Counter', labels['Counter'], comp)
  vim.api.nvim_buf_set_lines(bufnr, 5, 6, false, {})
  vim.api.nvim_win_set_cursor(0, { 2, col(bufnr, 2, 'Counter') })
  local def = request(client, bufnr, 'textDocument/definition', vim.lsp.util.make_position_params(0, client.offset_encoding))
  def = def and (def.uri and { def } or def) or {}
  check('definition of Counter is its Tonel file', def[1] and (def[1].uri or def[1].targetUri):find('Counter.class.st', 1, true), def)

  -- Syntax error from an evaluation, placed in the agreed encoding.
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
  -- vim.diagnostic columns are bytes.
  check('the syntax error is a diagnostic just after the "+"', diag and diag.lnum == 0 and diag.col == c + 3, vim.diagnostic.get(broken))

  -- Tonel: filetype, the <example> lens, symbols and senders.
  vim.cmd('edit ' .. ws .. '/src/Demo/Counter.class.st')
  local tonel = vim.api.nvim_get_current_buf()
  check('ftdetect: a .class.st file is filetype tonel', vim.bo.filetype == 'tonel', vim.bo.filetype)
  wait(5000, function() return stui.client(tonel) ~= nil end)
  check('a Tonel file below the root joins the same server', stui.client(tonel) and stui.client(tonel).id == client.id)
  local tl = request(client, tonel, 'textDocument/codeLens', { textDocument = { uri = vim.uri_from_bufnr(tonel) } })
  local evaluating = 0
  for _, l in ipairs(tl or {}) do
    local name = l.command and l.command.command
    if name == 'stui.evaluate' or name == 'stui.printIt' or name == 'stui.inspect' then
      evaluating = evaluating + 1
    end
  end
  check('code lenses on the <example> method of the Tonel class', evaluating == 3, tl)
  local syms = request(client, tonel, 'textDocument/documentSymbol', { textDocument = { uri = vim.uri_from_bufnr(tonel) } }) or {}
  local names = {}
  local function collect(list)
    for _, sym in ipairs(list) do
      names[sym.name] = true
      collect(sym.children or {})
    end
  end
  collect(syms)
  check('document symbols list the class and its methods', names['Counter'] and (names['increment'] or names['>>increment'] or names['Counter>>increment']), syms)
  local inc
  for i, l in ipairs(vim.api.nvim_buf_get_lines(tonel, 0, -1, false)) do
    if l:find('c increment', 1, true) then
      inc = i
    end
  end
  local refs = request(client, tonel, 'textDocument/references', {
    textDocument = { uri = vim.uri_from_bufnr(tonel) },
    position = { line = inc - 1, character = col(tonel, inc, 'increment') },
    context = { includeDeclaration = false },
  })
  check('references of increment list its senders', refs and #refs >= 1, refs)
  stop(client)
end

-- enable_only starts the server as a 0.11+ user does: vim.lsp.enable('stui')
-- finds lsp/stui.lua on the runtimepath; the endpoint comes from
-- STUI_ENDPOINT. It also checks root detection by a BaselineOf directory.
local function enable_only()
  if not has('0.11') then
    return
  end
  vim.cmd('%bwipeout!')
  -- Beside the workspace, in the test's own temporary directory.
  local repo = vim.fn.fnamemodify(ws, ':h') .. '/baseline-repo'
  vim.fn.mkdir(repo .. '/src/BaselineOfDemo', 'p')
  vim.fn.mkdir(repo .. '/src/Demo', 'p')
  vim.fn.writefile({ 'Package { #name : #Demo }' }, repo .. '/src/Demo/package.st')
  vim.env.STUI_ENDPOINT = env('STUI_TEST_ENDPOINT')
  vim.env.PATH = vim.fn.fnamemodify(env('STUI_LSP'), ':h') .. ':' .. vim.env.PATH
  package.loaded['stui'] = nil
  stui = require('stui')
  vim.lsp.enable('stui')
  vim.cmd('edit ' .. repo .. '/src/Demo/package.st')
  local bufnr = vim.api.nvim_get_current_buf()
  local client = attached(bufnr)
  check("vim.lsp.enable('stui') alone starts stui-lsp from lsp/stui.lua", client ~= nil)
  if not client then
    return
  end
  check('a BaselineOf* directory marks the root', client.config.root_dir == repo .. '/src', client.config.root_dir)
  local ok, status = connected(client, bufnr)
  check('with no endpoint configured, STUI_ENDPOINT is used', ok, status)
  stop(client)
  vim.lsp.enable('stui', false)
  vim.env.STUI_ENDPOINT = nil
end

-- image_down_and_back stops the image under a connected server and starts it
-- again: commands fail clearly while it is down and work as soon as it is
-- back.
local function image_down_and_back()
  local image = os.getenv('STUI_TESTIMAGE')
  local endpoint = os.getenv('STUI_RESTART_ENDPOINT')
  if not image or not endpoint then
    return
  end
  local function start_image()
    local ready = false
    local job = vim.fn.jobstart({ image, '--endpoint', endpoint }, {
      on_stdout = function() ready = true end,
    })
    wait(10000, function() return ready end)
    return job
  end
  local job = start_image()
  stui.setup({ cmd = { env('STUI_LSP') }, endpoint = endpoint })
  vim.cmd('%bwipeout!')
  vim.cmd('edit ' .. ws .. '/playground.st')
  local bufnr = vim.api.nvim_get_current_buf()
  local client = attached(bufnr)
  if not client or not connected(client, bufnr) then
    check('stui-lsp connected to the restartable image', false)
    return
  end
  vim.api.nvim_win_set_cursor(0, { 3, col(bufnr, 3, '3 + 4') })
  local pos = vim.lsp.util.make_position_params(0, client.offset_encoding).position
  local arg = { uri = vim.uri_from_bufnr(bufnr), range = { start = pos, ['end'] = pos } }
  vim.fn.jobstop(job)
  vim.fn.jobwait({ job }, 5000)
  local res, err
  wait(10000, function()
    res, err = exec(client, bufnr, 'stui.evaluate', arg)
    return err ~= nil
  end)
  check('with the image down, Evaluate fails with an error', err ~= nil and (err.message or ''):find('image', 1, true), { res, err })
  job = start_image()
  res, err = exec(client, bufnr, 'stui.evaluate', arg)
  check('the first Evaluate after the image is back answers 7', res and res.result == '7', { res, err })
  vim.fn.jobstop(job)
  stop(client)
end

local function image_down()
  stui.setup({ cmd = { env('STUI_LSP'), '--endpoint', env('STUI_DEAD_ENDPOINT') }, endpoint = '' })
  vim.cmd('%bwipeout!')
  vim.cmd('edit ' .. ws .. '/playground.st')
  local bufnr = vim.api.nvim_get_current_buf()
  local client = attached(bufnr)
  if not client then
    check('stui-lsp started for the image-down case', false)
    return
  end
  vim.api.nvim_win_set_cursor(0, { 2, col(bufnr, 2, 'Counter') })
  local t0 = uv.hrtime()
  local hover = request(client, bufnr, 'textDocument/hover', vim.lsp.util.make_position_params(0, client.offset_encoding))
  local ms = (uv.hrtime() - t0) / 1e6
  local text = hover and hover.contents and (hover.contents.value or '') or ''
  check(string.format('with no image, hover answers quickly (%d ms) with "image not connected"', ms),
    ms < 3000 and text:find('image not connected', 1, true), text)
  stop(client)
end

-- deprecations runs :checkhealth vim.deprecated (0.10+), which lists every
-- deprecated call made in this session.
local function deprecations()
  if not has('0.10') then
    return
  end
  vim.cmd('checkhealth vim.deprecated')
  local report = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  local warnings = {}
  for _, l in ipairs(report) do
    if l:find('WARNING', 1, true) or l:find('ERROR', 1, true) then
      table.insert(warnings, l)
    end
  end
  check(':checkhealth vim.deprecated reports no deprecated call', #warnings == 0 and #report > 0, report)
end

local ok, err = pcall(function()
  live()
  enable_only()
  image_down_and_back()
  image_down()
  deprecations()
end)
check('no unexpected error', ok, err)
finish()
