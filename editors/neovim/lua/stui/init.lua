-- stui.nvim: Neovim client for stui-lsp, the language server of a live Pharo
-- Smalltalk image. One plugin for Neovim 0.7 through 0.12: on 0.11+ it
-- registers the `stui` config (lsp/stui.lua) with vim.lsp.config/enable, on
-- 0.8-0.10 it starts the server with vim.lsp.start, on 0.7 with
-- vim.lsp.start_client. Each API that a newer release deprecates is called
-- only where its replacement does not exist yet.
local M = {}

local api = vim.api
local has = function(version)
  return vim.fn.has('nvim-' .. version) == 1
end

M.config = {
  -- The server command; the binary must be on PATH or given in full.
  cmd = { 'stui-lsp' },
  -- Endpoint of the image's STUI server (nil: $STUI_ENDPOINT or the default).
  endpoint = nil,
  -- Extra settings of the `stui` section (hoverTimeoutMs, evaluateTimeoutMs,
  -- maxResultChars, inlineResultChars, persistSession, compileOnSave, ...).
  settings = {},
  filetypes = { 'smalltalk', 'tonel' },
  -- Files or directories that mark a project root, nearest first; a name
  -- ending in '*' is a prefix (BaselineOfMyProject). The first list that
  -- matches anywhere above the file wins over the later ones.
  root_markers = { { '.project', '.smalltalk.ston', '.git' }, { 'BaselineOf*' } },
  -- Show evaluation results as the server's inlay hints (Neovim 0.10+); older
  -- versions show them as virtual text of the plugin's own.
  inlay_hints = true,
  -- Buffer-local keys; false to define none.
  keys = { eval = '<LocalLeader>d', print = '<LocalLeader>p', inspect = '<LocalLeader>i', lens = '<LocalLeader>l' },
  -- Refresh code lenses on these events (before 0.12; 0.12 refreshes them
  -- itself once vim.lsp.codelens.enable is on).
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

-- matcher returns a function telling whether a directory entry's name is one
-- of the markers.
local function matcher(markers)
  if type(markers) == 'string' then
    markers = { markers }
  end
  return function(name)
    for _, m in ipairs(markers) do
      if m:sub(-1) == '*' then
        if name:sub(1, #m - 1) == m:sub(1, -2) then
          return true
        end
      elseif name == m then
        return true
      end
    end
    return false
  end
end

-- root_above is the nearest directory at or above dir holding an entry that
-- matches, for Neovim before 0.10 (no vim.fs.root).
local function root_above(dir, matches)
  while dir and dir ~= '' do
    local handle = vim.loop.fs_scandir(dir)
    while handle do
      local name = vim.loop.fs_scandir_next(handle)
      if not name then
        break
      end
      if matches(name) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      return nil
    end
    dir = parent
  end
  return nil
end

-- root is the project root of bufnr: the directory holding the first marker
-- group found above the file, whether the marker is a file (.project) or a
-- directory (.git, BaselineOfX); else the current directory.
function M.root(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local name = api.nvim_buf_get_name(bufnr)
  local dir = name ~= '' and vim.fn.fnamemodify(name, ':p:h') or vim.fn.getcwd()
  for _, group in ipairs(M.config.root_markers) do
    local matches = matcher(group)
    local found
    if vim.fs and vim.fs.root then
      found = vim.fs.root(name ~= '' and bufnr or dir, function(entry) return matches(entry) end)
    else
      found = root_above(dir, matches)
    end
    if found then
      return found
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

-- buffer_opts adds the buffer key under the name this Neovim expects
-- (0.12 renamed `buffer` to `buf`).
local function buffer_opts(bufnr, opts)
  opts[has('0.12') and 'buf' or 'buffer'] = bufnr
  return opts
end

-- request sends an LSP request through client (0.11 made it a method).
local function request(client, method, params, handler, bufnr)
  if has('0.11') then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local function is_stopped(client)
  if has('0.11') then
    return client:is_stopped()
  end
  return client.is_stopped()
end

-- hints_shown tells whether the server's inlay hints show results in bufnr.
local function hints_shown(bufnr)
  if not (M.config.inlay_hints and vim.lsp.inlay_hint and has('0.10')) then
    return false
  end
  return vim.lsp.inlay_hint.is_enabled({ bufnr = bufnr })
end

-- attach sets up a buffer the stui client attached to: keys, code lenses and
-- inlay hints. lsp/stui.lua calls it as the config's on_attach.
function M.attach(client, bufnr)
  local keys = M.config.keys
  if keys then
    local function map(modes, lhs, rhs, desc)
      if lhs then
        vim.keymap.set(modes, lhs, rhs, buffer_opts(bufnr, { desc = desc, silent = true }))
      end
    end
    map({ 'n', 'x' }, keys.eval, function() M.eval() end, 'STUI: Do it')
    map({ 'n', 'x' }, keys.print, function() M.print() end, 'STUI: Print it')
    map({ 'n', 'x' }, keys.inspect, function() M.inspect() end, 'STUI: Inspect it')
    map('n', keys.lens, function() vim.lsp.codelens.run() end, 'STUI: run the code lens')
  end
  if vim.lsp.codelens.enable then
    vim.lsp.codelens.enable(true, { bufnr = bufnr })
  elseif #M.config.codelens_events > 0 then
    local group = api.nvim_create_augroup('stui_codelens_' .. bufnr, { clear = true })
    api.nvim_create_autocmd(M.config.codelens_events, {
      group = group,
      buffer = bufnr,
      callback = function() vim.lsp.codelens.refresh() end,
    })
    vim.lsp.codelens.refresh()
  end
  if M.config.inlay_hints and vim.lsp.inlay_hint and has('0.10') then
    vim.lsp.inlay_hint.enable(true, { bufnr = bufnr })
  end
  if M.config.on_attach then
    M.config.on_attach(client, bufnr)
  end
end

-- lsp_config is the part of the client config that setup() options decide.
function M.lsp_config()
  local st = settings()
  return {
    cmd = M.config.cmd,
    filetypes = M.config.filetypes,
    init_options = st,
    settings = { stui = st },
  }
end

-- start attaches the server to bufnr, starting it for the buffer's root
-- (Neovim before 0.11, or a buffer of another filetype).
function M.start(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local root = M.root(bufnr)
  local config = vim.tbl_extend('force', M.lsp_config(), {
    name = 'stui',
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ':t') } },
    on_attach = M.attach,
  })
  config.filetypes = nil
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = clients_by_root[root]
  local existing = id and vim.lsp.get_client_by_id(id)
  if not existing or is_stopped(existing) then
    id = vim.lsp.start_client(config)
    clients_by_root[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

-- character converts a 0-based byte column of line `row` (0-based) to the
-- position encoding the client and the server agreed on (Neovim 0.10+ offers
-- UTF-8; the LSP default is UTF-16).
local function character(bufnr, row, col, encoding)
  local line = api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ''
  col = math.min(col, #line)
  if encoding == 'utf-8' then
    return col
  end
  if has('0.11') then
    return vim.str_utfindex(line, encoding or 'utf-16', col, false)
  end
  local u32, u16 = vim.str_utfindex(line, col)
  return encoding == 'utf-32' and u32 or u16
end

-- range is the LSP range of the visual selection when `visual` is set, else
-- the empty range at the cursor (the server takes the statement there).
function M.range(bufnr, visual, encoding)
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
      start = { line = srow, character = character(bufnr, srow, scol, encoding) },
      ['end'] = { line = erow, character = character(bufnr, erow, ecol, encoding) },
    }
  end
  local cur = api.nvim_win_get_cursor(0)
  local pos = { line = cur[1] - 1, character = character(bufnr, cur[1] - 1, cur[2], encoding) }
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
  request(client, 'workspace/executeCommand', { command = command, arguments = { arg } }, function(err, result)
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
  local client = M.client(bufnr)
  local encoding = client and client.offset_encoding or 'utf-16'
  return bufnr, { uri = vim.uri_from_bufnr(bufnr), range = M.range(bufnr, visual, encoding) }
end

local function show_inline(bufnr, range, text)
  api.nvim_buf_clear_namespace(bufnr, ns, range['end'].line, range['end'].line + 1)
  api.nvim_buf_set_extmark(bufnr, ns, range['end'].line, 0, {
    virt_text = { { ' ⇒ ' .. text, 'Comment' } },
    virt_text_pos = 'eol',
  })
end

-- eval evaluates the selection or the statement at the cursor. The result
-- shows once at the end of the statement: as the server's inlay hint where
-- Neovim shows them, else as virtual text of the plugin's own.
function M.eval(opts)
  local bufnr, arg = target(opts)
  M.execute('stui.evaluate', arg, bufnr, function(res)
    M.last = res
    if not hints_shown(bufnr) then
      show_inline(bufnr, arg.range, (res.result or '') .. (res.truncated and ' …' or ''))
    end
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
  vim.bo[buf].bufhidden = 'hide'
  vim.bo[buf].filetype = 'stui-inspector'
  vim.keymap.set('n', '<CR>', function() M.inspector_drill() end, buffer_opts(buf, { silent = true }))
  vim.keymap.set('n', '<BS>', function() M.inspector_back() end, buffer_opts(buf, { silent = true }))
  vim.keymap.set('n', 'q', '<cmd>close<CR>', buffer_opts(buf, { silent = true }))
  inspector.buf = buf
  return buf
end

local function show_inspection(res)
  local lines, ids = render(res)
  local buf = inspector_buffer()
  inspector.ids = ids
  inspector.current = res.object_id
  vim.bo[buf].modifiable = true
  api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
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

-- setup configures the plugin. On Neovim 0.11+ it hands the options to
-- vim.lsp.config('stui') and enables it, as `vim.lsp.enable('stui')` alone
-- would with the defaults.
function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', M.config, opts or {})
  clients_by_root = {}
  if vim.lsp.config and vim.lsp.enable then
    vim.lsp.config('stui', M.lsp_config())
    vim.lsp.enable('stui')
    return
  end
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
