-- SUnit from Neovim: run the test or test class at the cursor (or a class by
-- name) through the server's stui.runTests, and put the failures and errors
-- in the quickfix list at the lines the server located. The server also
-- marks them as diagnostics and shows a ✓ or ✗ after each test's name.
local M = {}

local api = vim.api

-- last is the latest report, for scripts and tests.
M.last = nil

local function status_word(status)
  return ({ fail = 'FAIL', error = 'ERROR', skip = 'SKIP', pass = 'PASS' })[status] or status
end

-- quickfix turns a report into quickfix items: one per failing or erroring
-- test, at its location (its test method when the server found no line).
function M.quickfix(report)
  local items = {}
  for _, r in ipairs(report.results or {}) do
    if r.status == 'fail' or r.status == 'error' then
      local item = {
        text = status_word(r.status) .. ' ' .. r.class_name .. '>>' .. r.selector .. ': ' .. (r.message or ''),
        type = 'E',
      }
      if r.location then
        item.filename = vim.uri_to_fname(r.location.uri)
        item.lnum = r.location.range.start.line + 1
        item.col = r.location.range.start.character + 1
      end
      table.insert(items, item)
    end
  end
  return items
end

local function show(report)
  M.last = report
  local items = M.quickfix(report)
  vim.fn.setqflist({}, ' ', { title = report.summary, items = items })
  if #items > 0 then
    -- Open the list without leaving the code: the next :StuiTest runs from
    -- where the cursor was.
    vim.cmd('copen')
    vim.cmd('wincmd p')
  else
    vim.notify('stui: ' .. report.summary, vim.log.levels.INFO)
  end
end

-- run runs the test method or test class at the cursor; with a class name,
-- every test of that class.
function M.run(class_name)
  local stui = require('stui')
  local bufnr = api.nvim_get_current_buf()
  local arg
  if class_name and class_name ~= '' then
    arg = { className = class_name }
    -- A class by name runs from any buffer: through the server of the one
    -- that ran the last tests when this one has none.
    if not stui.client(bufnr) and M.bufnr and api.nvim_buf_is_valid(M.bufnr) then
      bufnr = M.bufnr
    end
  else
    local client = stui.client(bufnr)
    local encoding = client and client.offset_encoding or 'utf-16'
    arg = { uri = vim.uri_from_bufnr(bufnr), range = stui.range(bufnr, false, encoding) }
  end
  M.bufnr = bufnr
  stui.execute('stui.runTests', arg, bufnr, show)
end

return M
