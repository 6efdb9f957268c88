-- What the lifecycle probes share: "ok"/"not ok" lines, PASS or FAIL at the
-- end, and stui-lsp started on one file of STUI_TEST_WORKSPACE. A probe
-- loads it from its own directory:
--   local probe = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':h') .. '/probe.lua')
local M = { failures = 0 }

function M.out(s)
  io.stdout:write(s .. '\n')
end

function M.check(name, ok, detail)
  if ok then
    M.out('ok - ' .. name)
  else
    M.failures = M.failures + 1
    M.out('not ok - ' .. name .. (detail ~= nil and (': ' .. vim.inspect(detail)) or ''))
  end
end

function M.finish()
  M.out(M.failures == 0 and 'PASS' or ('FAIL (' .. M.failures .. ')'))
  vim.cmd(M.failures == 0 and 'qall!' or 'cquit!')
end

-- start edits file (relative to the workspace) and starts $STUI_LSP on it
-- with init_options; it answers the buffer and the client once initialized
-- (nil when it did not start in 10 s).
function M.start(file, init_options)
  local ws = os.getenv('STUI_TEST_WORKSPACE')
  vim.opt.swapfile = false
  vim.cmd('edit ' .. ws .. '/' .. file)
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    cmd = { os.getenv('STUI_LSP') },
    root_dir = ws,
    workspace_folders = { { uri = vim.uri_from_fname(ws), name = 'ws' } },
    init_options = init_options,
  })
  vim.lsp.buf_attach_client(bufnr, client_id)
  local client
  vim.wait(10000, function()
    client = vim.lsp.get_client_by_id(client_id)
    return client ~= nil and client.initialized
  end, 20)
  M.check('stui-lsp started', client ~= nil and client.initialized)
  return bufnr, client
end

return M
