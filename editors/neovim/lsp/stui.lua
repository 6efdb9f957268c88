-- The stui-lsp client config for Neovim 0.11+: `vim.lsp.enable('stui')` finds
-- it on the runtimepath. Override any field with vim.lsp.config('stui', {...}),
-- e.g. { init_options = { endpoint = 'tcp://127.0.0.1:5555' } }, or call
-- require('stui').setup({...}), which does that for you.
return {
  cmd = { 'stui-lsp' },
  filetypes = { 'smalltalk', 'tonel' },
  -- A function rather than root_markers: `.project` is a file, `BaselineOf*`
  -- a prefix, and .project/.git come before a nearer BaselineOf directory.
  root_dir = function(bufnr, on_dir)
    on_dir(require('stui').root(bufnr))
  end,
  init_options = vim.empty_dict(),
  settings = { stui = vim.empty_dict() },
  on_attach = function(client, bufnr)
    require('stui').attach(client, bufnr)
  end,
}
