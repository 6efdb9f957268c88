-- Headless Neovim (0.7+) against stui-lsp and stui-testimage: the type
-- hierarchy, signature help, and the sender lenses as Neovim's own codelens
-- module fetches and resolves them, and editors/neovim's handler of a lens
-- click. e2e/lifecycle_browse_test.go runs it with STUI_LSP,
-- STUI_TEST_ENDPOINT, STUI_TEST_WORKSPACE and STUI_EDITORS_DIR set; it prints
-- "ok"/"not ok" lines, then PASS or FAIL.
local probe = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':h') .. '/probe.lua')
local out, check = probe.out, probe.check
local finish = probe.finish
vim.opt.runtimepath:prepend(os.getenv('STUI_EDITORS_DIR') .. '/neovim')
vim.cmd('runtime! plugin/stui.lua')
local bufnr, client = probe.start('src/Demo/LoudCounter.class.st', { endpoint = os.getenv('STUI_TEST_ENDPOINT') })
if not client then
  return finish()
end
check('the server announces the type hierarchy', client.server_capabilities.typeHierarchyProvider == true)

-- The cursor on a line's first match of needle, plus delta characters.
local function at(needle, delta)
  for row, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local c = line:find(needle, 1, true)
    if c then
      return { line = row - 1, character = c - 1 + (delta or 0) }
    end
  end
  error('no ' .. needle)
end
local function request(method, params)
  local res = client.request_sync(method, params, 10000, bufnr)
  if not res then
    return nil, 'timeout'
  end
  return res.result, res.err
end
local doc = { uri = vim.uri_from_bufnr(bufnr) }

local items, err = request('textDocument/prepareTypeHierarchy', { textDocument = doc, position = at('#Counter', 1) })
check('prepareTypeHierarchy on the superclass names Counter', items and #items == 1 and items[1].name == 'Counter', items or err)
if items and #items == 1 then
  local supers = request('typeHierarchy/supertypes', { item = items[1] })
  check('Counter is a subclass of the image\'s Object', supers and #supers == 1 and supers[1].name == 'Object', supers)
  local subs = request('typeHierarchy/subtypes', { item = items[1] })
  check('LoudCounter is the subclass of Counter', subs and #subs == 1 and subs[1].name == 'LoudCounter', subs)
end

local help = request('textDocument/signatureHelp', { textDocument = doc, position = at('times: self', 7) })
local sig = help and help.signatures and help.signatures[1]
check('signature help shows shout:times: with its argument names', sig and sig.label == 'LoudCounter >> shout: aString times: aNumber', help)
check('the active parameter is times:', help and help.activeParameter == 1, help and help.activeParameter)

-- Neovim's codelens module asks for the lenses, then resolves those
-- without a command.
vim.lsp.codelens.refresh()
local row = at('LoudCounter >> report', 0).line
local titles
vim.wait(10000, function()
  titles = {}
  for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
    if lens.range.start.line == row and lens.command and lens.command.title ~= '' then
      table.insert(titles, lens.command.title)
    end
  end
  return #titles == 2
end, 50)
table.sort(titles)
check('the lenses over report resolve to counts', #titles == 2 and titles[1] == '0 senders' and titles[2] == '1 implementor', titles)

-- What a plugin's client command does when the lens is clicked: run the
-- server command and list its locations.
-- Each lens resolves on its own: wait for this one as for report's.
local lens
vim.wait(10000, function()
  for _, l in ipairs(vim.lsp.codelens.get(bufnr)) do
    if l.command and l.command.command == 'stui.implementors' and l.range.start.line == at('shout: aString', 0).line then
      lens = l
    end
  end
  return lens ~= nil
end, 50)
check('shout:times: has an implementors lens', lens ~= nil)
if lens then
  local locs = request('workspace/executeCommand', lens.command)
  local items = locs and vim.lsp.util.locations_to_items(locs, 'utf-16') or {}
  check('stui.implementors lists LoudCounter>>shout:times:', #items == 1 and items[1].filename:match('LoudCounter.class.st$') ~= nil, locs)
  -- A click on the lens, as vim.lsp.codelens runs it: the plugin's handler
  -- in vim.lsp.commands fills the quickfix list.
  local handler = vim.lsp.commands[lens.command.command]
  check('editors/neovim handles stui.implementors', handler ~= nil)
  if handler then
    vim.fn.setqflist({}, 'r', { items = {} })
    handler(lens.command, { bufnr = bufnr, client_id = client.id })
    local qf = {}
    vim.wait(10000, function()
      qf = vim.fn.getqflist()
      return #qf > 0
    end, 20)
    check('the lens fills the quickfix list with LoudCounter>>shout:times:', #qf == 1 and vim.api.nvim_buf_get_name(qf[1].bufnr):match('LoudCounter.class.st$') ~= nil
      and qf[1].lnum == at('shout: aString', 0).line + 1, qf)
  end
end

client.stop()
vim.wait(5000, function()
  return client.is_stopped()
end, 20)
finish()
