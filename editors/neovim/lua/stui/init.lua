-- stui.nvim: Neovim client for stui-lsp, the language server of a live Pharo
-- Smalltalk image. Works with Neovim 0.7.2 (vim.lsp.start_client) and newer
-- (vim.lsp.start).
local M = {}

local api = vim.api

M.config = {
  -- The server command; the binary must be on PATH or given in full.
  cmd = { 'stui-lsp' },
  -- Endpoint of the image's STUI server (nil: $STUI_ENDPOINT or the default).
  endpoint = nil,
  -- Extra settings of the `stui` section (hoverTimeoutMs, evaluateTimeoutMs,
  -- maxResultChars, inlineResultChars, persistSession, compileOnSave, ...).
  settings = {},
  filetypes = { 'smalltalk', 'tonel' },
  -- Files or directories that mark a project root.
  root_markers = { '.project', '.git', '.smalltalk.ston', 'BaselineOf' },
  -- Buffer-local keys; false to define none.
  keys = { eval = '<LocalLeader>d', print = '<LocalLeader>p', inspect = '<LocalLeader>i', lens = '<LocalLeader>l' },
  -- Refresh code lenses on these events.
  codelens_events = { 'BufEnter', 'InsertLeave', 'CursorHold' },
  on_attach = nil,
}

-- The result of the last evaluation, for scripts and tests.
M.last = nil

local ns = api.nvim_create_namespace('stui')
local clients_by_root = {} -- Neovim 0.7: one client per root

local function settings()
  local s = vim.deepcopy(M.config.settings or {})
  if M.config.endpoint and M.config.endpoint ~= '' then
    s.endpoint = M.config.endpoint
  end
  return s
end

local function find_root(bufnr)
  local name = api.nvim_buf_get_name(bufnr)
  local dir = vim.fn.fnamemodify(name, ':p:h')
  for _, marker in ipairs(M.config.root_markers) do
    local found = vim.fn.finddir(marker, dir .. ';')
    if found == '' then
      found = vim.fn.findfile(marker, dir .. ';')
    end
    if found ~= '' then
      return vim.fn.fnamemodify(found, ':p:h:h')
    end
  end
  return vim.fn.getcwd()
end

-- client returns the stui client attached to bufnr, if any.
function M.client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local list
  if vim.lsp.get_clients then
    list = vim.lsp.get_clients({ bufnr = bufnr, name = 'stui' })
  else
    list = {}
    for _, c in pairs(vim.lsp.buf_get_clients(bufnr)) do
      if c.name == 'stui' then
        table.insert(list, c)
      end
    end
  end
  return list[1]
end

local function on_attach(client, bufnr)
  local keys = M.config.keys
  if keys then
    local function map(modes, lhs, rhs, desc)
      if lhs then
        vim.keymap.set(modes, lhs, rhs, { buffer = bufnr, desc = desc, silent = true })
      end
    end
    map({ 'n', 'x' }, keys.eval, function() M.eval() end, 'STUI: Do it')
    map({ 'n', 'x' }, keys.print, function() M.print() end, 'STUI: Print it')
    map({ 'n', 'x' }, keys.inspect, function() M.inspect() end, 'STUI: Inspect it')
    map('n', keys.lens, function() vim.lsp.codelens.run() end, 'STUI: run the code lens')
  end
  if #M.config.codelens_events > 0 then
    local group = api.nvim_create_augroup('stui_codelens_' .. bufnr, { clear = true })
    api.nvim_create_autocmd(M.config.codelens_events, {
      group = group,
      buffer = bufnr,
      callback = function() vim.lsp.codelens.refresh() end,
    })
    vim.lsp.codelens.refresh()
  end
  if M.config.on_attach then
    M.config.on_attach(client, bufnr)
  end
end

-- start attaches the server to bufnr, starting it for the buffer's root.
function M.start(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local root = find_root(bufnr)
  local st = settings()
  local config = {
    name = 'stui',
    cmd = M.config.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ':t') } },
    init_options = st,
    settings = { stui = st },
    on_attach = on_attach,
  }
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = clients_by_root[root]
  local existing = id and vim.lsp.get_client_by_id(id)
  if not existing or existing.is_stopped() then
    id = vim.lsp.start_client(config)
    clients_by_root[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

-- utf16 converts a 0-based byte column of line `row` (0-based) to UTF-16.
local function utf16(bufnr, row, col)
  local line = api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ''
  col = math.min(col, #line)
  local _, u16 = vim.str_utfindex(line, col)
  return u16
end

-- range is the LSP range of the visual selection when `visual` is set, else
-- the empty range at the cursor (the server takes the statement there).
function M.range(bufnr, visual)
  if visual then
    local s, e = vim.fn.getpos("'<"), vim.fn.getpos("'>")
    local srow, scol, erow, ecol = s[2] - 1, s[3] - 1, e[2] - 1, e[3]
    local line = api.nvim_buf_get_lines(bufnr, erow, erow + 1, false)[1] or ''
    if vim.fn.visualmode() == 'V' then
      scol, ecol = 0, #line
    else
      -- '> marks the first byte of the last character: take all of it.
      local last = e[3] - 1
      if last >= #line then
        ecol = #line
      else
        local b = line:byte(last + 1)
        ecol = last + ((b >= 0xF0 and 4) or (b >= 0xE0 and 3) or (b >= 0xC0 and 2) or 1)
      end
    end
    return {
      start = { line = srow, character = utf16(bufnr, srow, scol) },
      ['end'] = { line = erow, character = utf16(bufnr, erow, ecol) },
    }
  end
  local cur = api.nvim_win_get_cursor(0)
  local pos = { line = cur[1] - 1, character = utf16(bufnr, cur[1] - 1, cur[2]) }
  return { start = pos, ['end'] = pos }
end

-- execute sends workspace/executeCommand with the one object argument.
function M.execute(command, arg, bufnr, callback)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local client = M.client(bufnr)
  if not client then
    vim.notify('stui: no stui-lsp client for this buffer', vim.log.levels.WARN)
    return
  end
  client.request('workspace/executeCommand', { command = command, arguments = { arg } }, function(err, result)
    if err then
      vim.notify('stui: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      M.last = { error = err.message or vim.inspect(err) }
      return
    end
    if callback then
      callback(result)
    end
  end, bufnr)
end

local function target(opts)
  local bufnr = api.nvim_get_current_buf()
  local visual = opts and (opts.range or 0) > 0
  return bufnr, { uri = vim.uri_from_bufnr(bufnr), range = M.range(bufnr, visual) }
end

local function show_inline(bufnr, range, text)
  api.nvim_buf_clear_namespace(bufnr, ns, range['end'].line, range['end'].line + 1)
  api.nvim_buf_set_extmark(bufnr, ns, range['end'].line, 0, {
    virt_text = { { ' ⇒ ' .. text, 'Comment' } },
    virt_text_pos = 'eol',
  })
end

-- eval evaluates the selection or the statement at the cursor and shows the
-- result at the end of the line.
function M.eval(opts)
  local bufnr, arg = target(opts)
  M.execute('stui.evaluate', arg, bufnr, function(res)
    M.last = res
    local text = (res.result or '') .. (res.truncated and ' …' or '')
    show_inline(bufnr, arg.range, text)
    vim.notify(text, vim.log.levels.INFO)
  end)
end

-- print evaluates and inserts the result after the code as a comment (the
-- server sends the edit).
function M.print(opts)
  local bufnr, arg = target(opts)
  M.execute('stui.printIt', arg, bufnr, function(res) M.last = res end)
end

function M.reset()
  local bufnr = api.nvim_get_current_buf()
  M.execute('stui.resetSession', { uri = vim.uri_from_bufnr(bufnr) }, bufnr, function(res) M.last = res end)
end

function M.interrupt()
  local bufnr = api.nvim_get_current_buf()
  M.execute('stui.interrupt', { uri = vim.uri_from_bufnr(bufnr) }, bufnr, function(res) M.last = res end)
end

function M.status()
  M.execute('stui.status', vim.empty_dict(), 0, function(res)
    M.last = res
    local msg = res.connected and ('connected to ' .. (res.image_name or '?') .. ' at ' .. res.endpoint)
      or (res.state .. ' (' .. (res.endpoint or '') .. ') ' .. (res.error or ''))
    vim.notify('stui: ' .. msg)
  end)
end

-- The inspector: a scratch buffer, one line per slot; <CR> on a slot with an
-- object id inspects that object, <BS> goes back.
local inspector = { buf = nil, source = nil, history = {}, ids = {} }

local function render(res)
  local info = res.object_info or {}
  local lines = {
    (info.string_representation or ''):gsub('\n', ' '),
    string.format('  class: %s   size: %s   object id: %s', info.class_name or '?', tostring(info.size or 0), res.object_id or '?'),
    string.rep('-', 60),
  }
  local ids = {}
  for _, sl in ipairs(res.slots or {}) do
    local line = string.format('%-14s %s  (%s)', sl.name, (sl.print_string or ''):gsub('\n', ' '), sl.class_name or '?')
    if sl.has_slots and sl.object_id and sl.object_id ~= vim.NIL then
      line = line .. '  [' .. sl.object_id .. ']'
      ids[#lines + 1] = sl.object_id
    end
    table.insert(lines, line)
  end
  local shown = (res.offset or 0) + #(res.slots or {})
  if (res.total_slots or 0) > shown then
    table.insert(lines, string.format('... %d more slots', res.total_slots - shown))
  end
  table.insert(lines, string.rep('-', 60))
  table.insert(lines, '<CR> inspect the slot under the cursor   <BS> back   q close')
  return lines, ids
end

local function inspector_buffer()
  if inspector.buf and api.nvim_buf_is_valid(inspector.buf) then
    return inspector.buf
  end
  local buf = api.nvim_create_buf(false, true)
  api.nvim_buf_set_name(buf, 'stui://inspector')
  api.nvim_buf_set_option(buf, 'bufhidden', 'hide')
  api.nvim_buf_set_option(buf, 'filetype', 'stui-inspector')
  vim.keymap.set('n', '<CR>', function() M.inspector_drill() end, { buffer = buf, silent = true })
  vim.keymap.set('n', '<BS>', function() M.inspector_back() end, { buffer = buf, silent = true })
  vim.keymap.set('n', 'q', '<cmd>close<CR>', { buffer = buf, silent = true })
  inspector.buf = buf
  return buf
end

local function show_inspection(res)
  local lines, ids = render(res)
  local buf = inspector_buffer()
  inspector.ids = ids
  inspector.current = res.object_id
  api.nvim_buf_set_option(buf, 'modifiable', true)
  api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  api.nvim_buf_set_option(buf, 'modifiable', false)
  local win = vim.fn.bufwinid(buf)
  if win == -1 then
    vim.cmd('botright split')
    win = api.nvim_get_current_win()
    api.nvim_win_set_buf(win, buf)
    api.nvim_win_set_height(win, math.min(#lines + 1, 15))
  else
    api.nvim_set_current_win(win)
  end
  api.nvim_win_set_cursor(win, { math.min(4, #lines), 0 })
  M.last = res
end

-- inspect inspects the selection or the statement at the cursor.
function M.inspect(opts)
  local bufnr, arg = target(opts)
  arg.open = false -- the plugin draws its own inspector
  inspector.source = bufnr
  inspector.history = {}
  M.execute('stui.inspect', arg, bufnr, show_inspection)
end

-- inspect_object drills into an object id of the current session.
function M.inspect_object(id)
  local bufnr = inspector.source or api.nvim_get_current_buf()
  M.execute('stui.inspect', { objectId = id, open = false }, bufnr, show_inspection)
end

function M.inspector_drill()
  local row = api.nvim_win_get_cursor(0)[1]
  local id = inspector.ids[row]
  if not id then
    vim.notify('stui: nothing to inspect on this line')
    return
  end
  table.insert(inspector.history, inspector.current)
  M.inspect_object(id)
end

function M.inspector_back()
  local id = table.remove(inspector.history)
  if id then
    M.inspect_object(id)
  end
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', M.config, opts or {})
  clients_by_root = {}
  local group = api.nvim_create_augroup('stui', { clear = true })
  api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = M.config.filetypes,
    callback = function(args) M.start(args.buf) end,
  })
  -- Buffers already open when setup runs.
  for _, buf in ipairs(api.nvim_list_bufs()) do
    if api.nvim_buf_is_loaded(buf) and vim.tbl_contains(M.config.filetypes, vim.bo[buf].filetype) then
      M.start(buf)
    end
  end
end

return M
