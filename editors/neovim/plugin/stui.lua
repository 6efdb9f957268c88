-- User commands of stui.nvim. The server starts once require('stui').setup()
-- has run (see README.md).
if vim.g.loaded_stui then
  return
end
vim.g.loaded_stui = true

local function cmd(name, fn, opts)
  vim.api.nvim_create_user_command(name, function(args) fn(args) end, opts or {})
end

cmd('StuiEval', function(a) require('stui').eval(a) end, { range = true, desc = 'STUI: Do it (selection or statement at the cursor)' })
cmd('StuiPrint', function(a) require('stui').print(a) end, { range = true, desc = 'STUI: Print it' })
cmd('StuiInspect', function(a) require('stui').inspect(a) end, { range = true, desc = 'STUI: Inspect it' })
cmd('StuiInspectObject', function(a) require('stui').inspect_object(a.args) end, { nargs = 1, desc = 'STUI: inspect an object id' })
cmd('StuiReset', function() require('stui').reset() end, { desc = 'STUI: start a fresh image session' })
cmd('StuiInterrupt', function() require('stui').interrupt() end, { desc = 'STUI: interrupt the running evaluation' })
cmd('StuiStatus', function() require('stui').status() end, { desc = 'STUI: show the image connection' })
cmd('StuiTest', function(a) require('stui.tests').run(a.args) end, { nargs = '?', desc = 'STUI: run the test or test class at the cursor (or the class named), failures to the quickfix list' })
cmd('StuiLensRun', function() vim.lsp.codelens.run() end, { desc = 'STUI: run the code lens on this line' })
cmd('StuiStart', function() require('stui').start(0) end, { desc = 'STUI: attach stui-lsp to this buffer' })
require('stui.locations').register()
