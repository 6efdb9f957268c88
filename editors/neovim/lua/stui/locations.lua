-- The sender and implementor lenses. stui-lsp's stui.senders and
-- stui.implementors answer a list of locations, as LSP gives a server no way
-- to open a references view, so the plugin handles the two commands in
-- vim.lsp.commands: a click on the lens (or :StuiLensRun) asks the server
-- for the list and puts it in the quickfix list.
local M = {}

-- last is the latest list as quickfix items, for scripts and tests.
M.last = nil

local has = function(version)
  return vim.fn.has('nvim-' .. version) == 1
end

-- show puts the locations a command answered in the quickfix list and opens
-- it; an empty list is only said.
function M.show(title, locations, encoding)
  local items = vim.lsp.util.locations_to_items(locations or {}, encoding)
  M.last = items
  if #items == 0 then
    vim.notify('stui: ' .. title .. ': none', vim.log.levels.INFO)
    return
  end
  vim.fn.setqflist({}, ' ', { title = title, items = items })
  vim.cmd('botright copen')
end

-- run is the vim.lsp.commands handler: the lens's command goes to the
-- server that made the lens, and its answer to show.
function M.run(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if not client then
    return
  end
  local params = { command = command.command, arguments = command.arguments }
  local function done(err, result)
    if err then
      vim.notify('stui: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    M.show(command.title or command.command, result, client.offset_encoding)
  end
  if has('0.11') then
    client:request('workspace/executeCommand', params, done, ctx.bufnr)
  else
    client.request('workspace/executeCommand', params, done, ctx.bufnr)
  end
end

function M.register()
  vim.lsp.commands['stui.senders'] = M.run
  vim.lsp.commands['stui.implementors'] = M.run
end

return M
