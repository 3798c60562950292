-- Inline (ghost-text) completions: after a typing pause, asks the server for textDocument/inlineCompletion
-- and shows the first item as virtual text at the cursor (extmarks). accept / next / prev / dismiss.
local M = {}

local ns = vim.api.nvim_create_namespace("engram_inline")
local config = { enabled = true, debounce_ms = 150, keymaps = {} }
local timer = nil
-- current suggestion: { bufnr, row, col, tick, items, index }
local state = nil
-- request counter, so that a late answer to a superseded request is dropped
local generation = 0
local attached = {}

local function engram()
  return require("engram")
end

local function stop_timer()
  if timer then
    timer:stop()
    timer:close()
    timer = nil
  end
end

--- The text of an InlineCompletionItem (string or StringValue).
local function item_text(item)
  local t = item.insertText
  if type(t) == "table" then
    t = t.value
  end
  return t or ""
end

--- Removes the ghost text (the suggestion is forgotten).
function M.clear(bufnr)
  if state ~= nil and vim.api.nvim_buf_is_valid(state.bufnr) then
    vim.api.nvim_buf_clear_namespace(state.bufnr, ns, 0, -1)
  elseif bufnr ~= nil and vim.api.nvim_buf_is_valid(bufnr) then
    vim.api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
  end
  state = nil
end

--- The shown suggestion's text relative to the cursor (what accept would insert), or nil.
function M.current_text()
  if state == nil then
    return nil
  end
  return state.texts[state.index]
end

local function render()
  if state == nil then
    return
  end
  vim.api.nvim_buf_clear_namespace(state.bufnr, ns, 0, -1)
  local text = state.texts[state.index]
  local lines = vim.split(text, "\n", { plain = true })
  local line = vim.api.nvim_buf_get_lines(state.bufnr, state.row, state.row + 1, false)[1] or ""
  local opts = { virt_text = { { lines[1], "Comment" } }, hl_mode = "combine" }
  if vim.fn.has("nvim-0.10") == 1 then
    opts.virt_text_pos = "inline"
  elseif state.col >= #line then
    opts.virt_text_pos = "overlay"
  else
    opts.virt_text_pos = "eol"
  end
  if #lines > 1 then
    local extra = {}
    for i = 2, #lines do
      table.insert(extra, { { lines[i], "Comment" } })
    end
    opts.virt_lines = extra
  end
  state.extmark = vim.api.nvim_buf_set_extmark(state.bufnr, ns, state.row, math.min(state.col, #line), opts)
end

--- Handles a textDocument/inlineCompletion answer (InlineCompletionList or InlineCompletionItem[]).
local function on_result(bufnr, row, col, tick, my_generation, result)
  if my_generation ~= generation or not vim.api.nvim_buf_is_valid(bufnr) then
    return
  end
  if vim.api.nvim_buf_get_changedtick(bufnr) ~= tick or vim.api.nvim_get_current_buf() ~= bufnr then
    return
  end
  local cursor = vim.api.nvim_win_get_cursor(0)
  if cursor[1] - 1 ~= row or cursor[2] ~= col then
    return
  end
  local items = result and (result.items or result) or {}
  local texts, ranges = {}, {}
  for _, item in ipairs(items) do
    local text = item_text(item)
    if text ~= "" then
      table.insert(texts, text)
      table.insert(ranges, item.range or false)
    end
  end
  if #texts == 0 then
    return
  end
  state = { bufnr = bufnr, row = row, col = col, tick = tick, texts = texts, ranges = ranges, index = 1 }
  render()
end

--- Asks the server now (no debounce) for the cursor position of the current buffer.
function M.request_now(trigger_kind)
  local bufnr = vim.api.nvim_get_current_buf()
  local client = engram().get_client(bufnr)
  if client == nil then
    return false
  end
  local caps = client.server_capabilities or {}
  if caps.inlineCompletionProvider == nil or caps.inlineCompletionProvider == false then
    return false
  end
  M.clear(bufnr)
  local cursor = vim.api.nvim_win_get_cursor(0)
  local row, col = cursor[1] - 1, cursor[2]
  local line = vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
  -- LSP positions count UTF-16 code units; the cursor column is a byte index.
  local character = vim.str_utfindex(line, math.min(col, #line))
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = row, character = character },
    context = { triggerKind = trigger_kind or 2 },
  }
  generation = generation + 1
  local my_generation = generation
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  engram().request(client, "textDocument/inlineCompletion", params, function(err, result)
    if err then
      return
    end
    vim.schedule(function() on_result(bufnr, row, col, tick, my_generation, result) end)
  end, bufnr)
  return true
end

--- Restarts the debounce timer; the request goes out after `debounce_ms` without typing.
function M.schedule()
  if not config.enabled then
    return
  end
  M.clear()
  stop_timer()
  generation = generation + 1
  timer = vim.loop.new_timer()
  timer:start(config.debounce_ms, 0, vim.schedule_wrap(function()
    stop_timer()
    if vim.api.nvim_get_mode().mode:sub(1, 1) == "i" then
      M.request_now(2)
    end
  end))
end

--- Inserts the shown suggestion at the cursor (replacing the item's range when it has one). Returns true when
--- something was inserted.
function M.accept()
  if state == nil then
    return false
  end
  local s = state
  M.clear()
  local text = s.texts[s.index]
  local range = s.ranges[s.index]
  local lines = vim.split(text, "\n", { plain = true })
  local start_row, start_col, end_row, end_col = s.row, s.col, s.row, s.col
  if range then
    local function byte_col(row, character)
      local l = vim.api.nvim_buf_get_lines(s.bufnr, row, row + 1, false)[1] or ""
      return vim.str_byteindex(l, math.min(character, vim.str_utfindex(l)))
    end
    start_row, end_row = range.start.line, range["end"].line
    start_col, end_col = byte_col(start_row, range.start.character), byte_col(end_row, range["end"].character)
  end
  vim.api.nvim_buf_set_text(s.bufnr, start_row, start_col, end_row, end_col, lines)
  local last_row = start_row + #lines - 1
  local last_col = (#lines == 1) and (start_col + #lines[1]) or #lines[#lines]
  vim.api.nvim_win_set_cursor(0, { last_row + 1, last_col })
  return true
end

--- Shows the next (delta = 1) or previous (delta = -1) suggestion.
function M.cycle(delta)
  if state == nil or #state.texts < 2 then
    return false
  end
  state.index = ((state.index - 1 + delta) % #state.texts) + 1
  render()
  return true
end

function M.next() return M.cycle(1) end
function M.prev() return M.cycle(-1) end

--- Hides the suggestion.
function M.dismiss()
  stop_timer()
  generation = generation + 1
  local had = state ~= nil
  M.clear()
  return had
end

--- Called on attach: typing autocommands and insert-mode keymaps for this buffer. A keymap whose action has
--- nothing to do falls back to the key's ordinary meaning.
function M.attach(_, bufnr)
  if not config.enabled or attached[bufnr] then
    return
  end
  attached[bufnr] = true
  local group = vim.api.nvim_create_augroup("engram_inline_" .. bufnr, { clear = true })
  vim.api.nvim_create_autocmd({ "TextChangedI", "TextChangedP" }, { group = group, buffer = bufnr, callback = M.schedule })
  vim.api.nvim_create_autocmd({ "InsertLeave", "BufLeave" }, { group = group, buffer = bufnr, callback = M.dismiss })
  vim.api.nvim_create_autocmd("BufDelete", { group = group, buffer = bufnr, callback = function() attached[bufnr] = nil end })
  local function map(lhs, fn)
    if lhs == nil or lhs == "" then
      return
    end
    vim.keymap.set("i", lhs, function()
      if fn() then
        return ""
      end
      return lhs
    end, { buffer = bufnr, expr = true, silent = true })
  end
  local keys = config.keymaps or {}
  -- expr mappings may not change the text: accept inserts through vim.schedule.
  map(keys.accept, function()
    if state == nil then
      return false
    end
    vim.schedule(M.accept)
    return true
  end)
  map(keys.next, M.next)
  map(keys.prev, M.prev)
  map(keys.dismiss, M.dismiss)
end

function M.setup(opts)
  config = vim.tbl_deep_extend("force", config, opts or {})
end

M.namespace = ns
return M
