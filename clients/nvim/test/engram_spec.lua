-- Headless Neovim tests of the engram plugin against the real `engram lsp`. Run by
-- tests/Engram.Clients.Tests (NeovimTests):
--   ENGRAM_TEST_COMMAND='["dotnet","/path/engram.dll","lsp"]' ENGRAM_TEST_FILE=/tmp/ws/calc.py \
--   nvim --headless -u NONE -i NONE --cmd 'set rtp^=clients/nvim' -c 'luafile clients/nvim/test/engram_spec.lua'
-- Optional: ENGRAM_TEST_INLINE (ghost text the fake model produces), ENGRAM_TEST_REVIEW_CODE (a finding's code).
-- Prints one line per test and a closing "N passed, N failed"; exits 1 when any failed.
local results = { passed = 0, failed = 0 }
local function out(line)
  io.stdout:write(line .. "\n")
  io.stdout:flush()
end

local function test(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    results.passed = results.passed + 1
    out("ok - " .. name)
  else
    results.failed = results.failed + 1
    out("not ok - " .. name .. "\n  " .. tostring(err):gsub("\n", "\n  "))
  end
end

local function eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    error(string.format("%s: expected %s, got %s", what or "value", vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

local function truthy(v, what)
  if not v then
    error((what or "condition") .. " was false", 2)
  end
  return v
end

local function wait(ms, cond, what)
  local ok = vim.wait(ms, cond, 50)
  if not ok then
    error("timed out after " .. ms .. " ms waiting for " .. what, 2)
  end
end

local command = vim.fn.json_decode(os.getenv("ENGRAM_TEST_COMMAND"))
local file = os.getenv("ENGRAM_TEST_FILE")
local expected_inline = os.getenv("ENGRAM_TEST_INLINE")
local review_code = os.getenv("ENGRAM_TEST_REVIEW_CODE")
local engram = require("engram")
local inline = require("engram.inline")
local buf

test("setup attaches the engram client to a buffer of a configured filetype", function()
  vim.cmd("filetype on") -- -u NONE starts without filetype detection
  engram.setup({ cmd = command, filetypes = { "python" }, inline = { debounce_ms = 50 } })
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  buf = vim.api.nvim_get_current_buf()
  eq("python", vim.bo[buf].filetype, "filetype")
  wait(60000, function()
    local c = engram.get_client(buf)
    return c ~= nil and c.initialized and c.server_capabilities ~= nil and c.server_capabilities.completionProvider ~= nil
  end, "the engram client to initialize")
  local caps = engram.get_client(buf).server_capabilities
  truthy(caps.inlineCompletionProvider, "inlineCompletionProvider")
  truthy(vim.tbl_contains(caps.executeCommandProvider.commands, "engram.ask"), "engram.ask among the commands")
end)

test("a buffer of another filetype is left alone", function()
  local other = vim.api.nvim_create_buf(true, false)
  vim.api.nvim_buf_set_name(other, vim.fn.fnamemodify(file, ":h") .. "/notes.txt")
  vim.bo[other].filetype = "text"
  eq(nil, engram.get_client(other), "client on a text buffer")
end)

test("coexists with another language server on the same buffer", function()
  local other_id = vim.lsp.start_client({ name = "other", cmd = command, root_dir = vim.fn.fnamemodify(file, ":h") })
  vim.lsp.buf_attach_client(buf, other_id)
  wait(60000, function()
    local c = vim.lsp.get_client_by_id(other_id)
    return c ~= nil and c.initialized
  end, "the second server")
  local names = {}
  for _, c in pairs(vim.lsp.buf_get_clients(buf)) do
    table.insert(names, c.name)
  end
  table.sort(names)
  eq({ "engram", "other" }, names, "clients on the buffer")
  eq("engram", engram.get_client(buf).name, "the plugin's client")
  vim.lsp.stop_client(other_id)
  wait(10000, function() return vim.lsp.get_client_by_id(other_id) == nil or #vim.tbl_keys(vim.lsp.buf_get_clients(buf)) == 1 end, "the second server to stop")
  truthy(engram.get_client(buf), "engram still attached after the other server stopped")
end)

test("ordinary completion offers words of the workspace", function()
  vim.api.nvim_buf_set_lines(buf, -1, -1, false, { "result = calc" })
  local last = vim.api.nvim_buf_line_count(buf)
  vim.api.nvim_win_set_cursor(0, { last, #"result = calc" })
  local labels = {}
  wait(60000, function()
    local responses = vim.lsp.buf_request_sync(buf, "textDocument/completion", vim.lsp.util.make_position_params(), 10000) or {}
    labels = {}
    for _, r in pairs(responses) do
      local items = r.result and (r.result.items or r.result) or {}
      for _, item in ipairs(items) do
        table.insert(labels, item.label)
      end
    end
    return vim.tbl_contains(labels, "calculate_total")
  end, "calculate_total among the completions")
end)

if expected_inline ~= nil and expected_inline ~= "" then
  test("inline completion shows ghost text as an extmark and accept inserts it", function()
    vim.api.nvim_buf_set_lines(buf, -1, -1, false, { "def add(a, b):", "    " })
    local last = vim.api.nvim_buf_line_count(buf)
    vim.api.nvim_win_set_cursor(0, { last, 4 })
    truthy(inline.request_now(1), "request sent")
    local marks = {}
    wait(60000, function()
      marks = vim.api.nvim_buf_get_extmarks(buf, inline.namespace, 0, -1, { details = true })
      return #marks > 0
    end, "the ghost-text extmark")
    local details = marks[1][4]
    local shown = details.virt_text[1][1]
    eq(last - 1, marks[1][2], "extmark row")
    truthy(vim.startswith(expected_inline, shown), "ghost text '" .. shown .. "' begins the expected completion")
    eq(false, inline.next(), "next with a single suggestion")
    truthy(inline.accept(), "accept")
    eq(0, #vim.api.nvim_buf_get_extmarks(buf, inline.namespace, 0, -1, {}), "extmarks after accept")
    local text = table.concat(vim.api.nvim_buf_get_lines(buf, last - 1, -1, false), "\n")
    truthy(text:find(expected_inline, 1, true), "buffer holds the accepted text: " .. text)
  end)

  test("dismiss removes the ghost text", function()
    vim.api.nvim_buf_set_lines(buf, -1, -1, false, { "def add2(a, b):", "    " })
    local last = vim.api.nvim_buf_line_count(buf)
    vim.api.nvim_win_set_cursor(0, { last, 4 })
    inline.request_now(1)
    wait(60000, function() return #vim.api.nvim_buf_get_extmarks(buf, inline.namespace, 0, -1, {}) > 0 end, "ghost text")
    truthy(inline.dismiss(), "dismiss")
    eq(0, #vim.api.nvim_buf_get_extmarks(buf, inline.namespace, 0, -1, {}), "extmarks after dismiss")
    eq(nil, inline.current_text(), "suggestion after dismiss")
  end)
end

test(":EngramIndex indexes the workspace", function()
  engram.last_index = nil
  vim.cmd("EngramIndex")
  wait(120000, function() return engram.last_index ~= nil end, "the index result")
  local root = engram.last_index.roots[1]
  truthy(root.files >= 2, "files >= 2, got " .. tostring(root.files))
  truthy(root.chunks > 0, "chunks > 0")
end)

test("the engram/status notification is kept for the statusline", function()
  wait(30000, function() return engram.last_status ~= nil end, "engram/status")
  truthy(vim.startswith(engram.statusline(), "engram: "), "statusline: " .. engram.statusline())
end)

test(":EngramAsk opens the answer with its sources and fills the quickfix list", function()
  engram.last_answer = nil
  vim.cmd("EngramAsk where is the total of the prices computed")
  wait(60000, function() return engram.last_answer ~= nil end, "the answer")
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  eq("# where is the total of the prices computed", lines[1], "heading")
  truthy(vim.tbl_contains(lines, "## Sources"), "Sources section")
  local qf = vim.fn.getqflist()
  truthy(#qf > 0, "quickfix items")
  truthy(vim.fn.bufname(qf[1].bufnr):find("%.py$"), "first citation is a python file")
  vim.cmd("close")
end)

test(":EngramDialogue lists the shipped modes", function()
  local modes
  engram.execute("engram.listModes", {}, function(r) modes = r end, buf)
  wait(30000, function() return modes ~= nil end, "the modes")
  local names = vim.tbl_map(function(m) return m.name end, modes)
  truthy(vim.tbl_contains(names, "debate"), "debate among " .. vim.inspect(names))
end)

test(":EngramDialogue {mode} {topic} runs the dialogue and shows its transcript", function()
  engram.last_dialogue = nil
  vim.api.nvim_set_current_buf(buf)
  vim.cmd("EngramDialogue debate should totals be rounded")
  wait(120000, function() return engram.last_dialogue ~= nil end, "the dialogue result")
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  eq("# debate: should totals be rounded", lines[1], "heading")
  truthy(type(engram.last_dialogue.id) == "string" and engram.last_dialogue.id ~= "", "dialogue id")
  truthy(#table.concat(lines, "\n") > 60, "a transcript")
  vim.cmd("close")
end)

if review_code ~= nil and review_code ~= "" then
  test(":EngramReview publishes review diagnostics (source engram)", function()
    engram.last_review = nil
    vim.cmd("EngramReview")
    wait(120000, function() return engram.last_review ~= nil end, "the review result")
    truthy(engram.last_review.findings > 0, "findings > 0")
    wait(30000, function()
      for _, d in ipairs(vim.diagnostic.get(nil)) do
        if d.source == "engram" and tostring(d.code) == review_code then
          return true
        end
      end
      return false
    end, "a diagnostic with code " .. review_code)
  end)
end

out(string.format("%d passed, %d failed", results.passed, results.failed))
for _, c in pairs(vim.lsp.get_active_clients()) do
  c.stop(true)
end
vim.wait(2000, function() return #vim.lsp.get_active_clients() == 0 end, 50)
vim.cmd(results.failed == 0 and "qall!" or "cquit!")
