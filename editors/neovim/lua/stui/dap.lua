-- nvim-dap configuration for stui-lsp's debug adapter (`stui-lsp dap`,
-- docs/debugging.md). require('stui.dap').setup() after nvim-dap is loaded.
local M = {}

-- setup registers the adapter, two configurations for Smalltalk buffers, and
-- "Debug it": the server's stui.debugIt answers a launch configuration,
-- which nvim-dap then runs.
function M.setup(opts)
  opts = opts or {}
  local dap = require('dap')
  local args = { 'dap' }
  if opts.endpoint then
    vim.list_extend(args, { '--endpoint', opts.endpoint })
  end
  dap.adapters.stui = { type = 'executable', command = opts.cmd or 'stui-lsp', args = args }
  dap.configurations.smalltalk = {
    {
      type = 'stui',
      request = 'launch',
      name = 'Debug the statement at the cursor',
      program = '${file}',
      line = function() return vim.fn.line('.') end,
      cwd = '${workspaceFolder}',
    },
    { type = 'stui', request = 'attach', name = 'Attach to the next error in the image', waitForError = true, cwd = '${workspaceFolder}' },
  }
  vim.lsp.commands['stui.debugIt'] = function(command, ctx)
    local client = vim.lsp.get_client_by_id(ctx.client_id)
    if not client then
      return
    end
    client.request('workspace/executeCommand', { command = command.command, arguments = command.arguments }, function(err, launch)
      if err then
        vim.notify('Debug it: ' .. err.message, vim.log.levels.ERROR)
      elseif launch then
        dap.run(launch)
      end
    end, ctx.bufnr)
  end
end

return M
