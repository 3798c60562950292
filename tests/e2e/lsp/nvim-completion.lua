-- Headless Neovim (0.7+) end-to-end test of `engram lsp`:
--   ENGRAM_DLL=... ENGRAM_ROOT=... ENGRAM_INDEX=... nvim --headless -u NONE -l? (0.7: -c "luafile nvim-completion.lua")
-- Starts the server with vim.lsp.start_client, opens ROOT/src/Scratch.cs, asks for completion after "repository.Sav",
-- prints one JSON line to stdout and exits 0 when SaveOrder was offered with the right textEdit range, else 1.
local dll = os.getenv('ENGRAM_DLL')
local root = os.getenv('ENGRAM_ROOT')
local index = os.getenv('ENGRAM_INDEX')

local function finish(ok, detail)
  io.stdout:write(vim.fn.json_encode({ ok = ok, detail = detail }) .. '\n')
  io.stdout:flush()
  os.exit(ok and 0 or 1)
end

if not dll or not root or not index then
  finish(false, 'set ENGRAM_DLL, ENGRAM_ROOT and ENGRAM_INDEX')
end

local initialized = false
local client_id = vim.lsp.start_client({
  name = 'engram',
  cmd = { 'dotnet', dll, 'lsp', '--stdio', '--lexical-only', '--index-dir', index, '--log-level', 'Warning' },
  root_dir = root,
  workspace_folders = { { uri = vim.uri_from_fname(root), name = 'ws' } },
  on_init = function() initialized = true end,
})
if not client_id then
  finish(false, 'start_client failed')
end
if not vim.wait(60000, function() return initialized end, 50) then
  finish(false, 'initialize timed out')
end

local client = vim.lsp.get_client_by_id(client_id)
local file = root .. '/src/Scratch.cs'
vim.cmd('edit ' .. vim.fn.fnameescape(file))
local bufnr = vim.api.nvim_get_current_buf()
vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, { '// 😀 日本語', 'var x = repository.Sav' })
vim.lsp.buf_attach_client(bufnr, client_id)

local items = {}
local found = nil
local deadline = vim.loop.now() + 30000
while vim.loop.now() < deadline do
  local response = client.request_sync('textDocument/completion', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = 1, character = 22 },
  }, 10000, bufnr)
  if response and response.result then
    items = response.result.items or response.result
    for _, item in ipairs(items) do
      if item.label == 'SaveOrder' then found = item end
    end
  end
  if found then break end
  vim.wait(100)
end

client.stop()
vim.wait(5000, function() return vim.lsp.client_is_stopped(client_id) end, 50)

if not found then
  local labels = {}
  for _, item in ipairs(items) do table.insert(labels, item.label) end
  finish(false, { message = 'SaveOrder not offered', labels = labels })
end
local range = found.textEdit.range
local ok = range.start.line == 1 and range.start.character == 19 and range['end'].character == 22
finish(ok, { label = found.label, range = range, items = #items })
