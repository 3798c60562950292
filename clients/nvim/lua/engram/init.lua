-- Engram for Neovim: starts `engram lsp` for the configured filetypes, shows inline completions as virtual
-- text, and adds :EngramIndex, :EngramReview, :EngramAsk, :EngramDialogue, :EngramExplain, :EngramUsage.
-- Works on Neovim 0.7 (vim.lsp.start_client + buf_attach_client) and 0.8+ (vim.lsp.start).
local M = {}

local defaults = {
  -- The server command; e.g. { "dotnet", "/path/to/engram.dll", "lsp" } for a build tree.
  cmd = { "engram", "lsp", "--stdio" },
  -- Filetypes to attach to; an empty list attaches to every buffer with a file name.
  filetypes = {
    "c", "cpp", "cs", "css", "go", "html", "java", "javascript", "javascriptreact", "json", "kotlin", "lua",
    "markdown", "php", "python", "ruby", "rust", "scss", "sh", "sql", "swift", "toml", "typescript",
    "typescriptreact", "yaml", "zig",
  },
  -- Files or folders whose presence marks a workspace root (searched upwards from the buffer).
  root_markers = { ".git", ".engram" },
  -- Server settings (initializationOptions and the `engram` section of workspace/configuration).
  settings = {
    inlineCompletion = { enabled = true, debounceMs = 150 },
    completion = { enabled = true },
    review = { onSave = false },
    index = { lexicalOnly = false, autoUpdate = true },
  },
  inline = {
    enabled = true,
    debounce_ms = 50,
    keymaps = { accept = "<M-l>", next = "<M-]>", prev = "<M-[>", dismiss = "<C-]>" },
  },
  -- Called as on_attach(client, bufnr) after the server attaches to a buffer.
  on_attach = nil,
  -- Extra arguments for the server, appended to cmd (e.g. { "--lexical-only" }).
  extra_args = {},
}

M.config = vim.deepcopy(defaults)
-- client id by root folder (0.7 has no vim.lsp.start to reuse clients for us)
M._clients = {}
-- last engram/status notification params
M.last_status = nil

local function path_join(...)
  return table.concat({ ... }, "/")
end

local function exists(p)
  return vim.loop.fs_stat(p) ~= nil
end

--- Nearest folder above `path` holding one of config.root_markers, else the current directory.
function M.find_root(path)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  while dir and dir ~= "" do
    for _, marker in ipairs(M.config.root_markers) do
      if exists(path_join(dir, marker)) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      break
    end
    dir = parent
  end
  return vim.loop.cwd()
end

local function notify(msg, level)
  vim.notify("Engram: " .. msg, level or vim.log.levels.INFO)
end

local function make_capabilities()
  local caps = vim.lsp.protocol.make_client_capabilities()
  caps.textDocument = caps.textDocument or {}
  caps.textDocument.inlineCompletion = { dynamicRegistration = false }
  return caps
end

local function handlers()
  return {
    ["engram/status"] = function(_, params)
      M.last_status = params
      vim.api.nvim_exec_autocmds("User", { pattern = "EngramStatus", modeline = false })
    end,
  }
end

local function client_config(root)
  local cmd = vim.list_extend(vim.deepcopy(M.config.cmd), M.config.extra_args or {})
  return {
    name = "engram",
    cmd = cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ":t") } },
    init_options = M.config.settings,
    settings = { engram = M.config.settings },
    capabilities = make_capabilities(),
    handlers = handlers(),
    on_attach = function(client, bufnr)
      require("engram.inline").attach(client, bufnr)
      if M.config.on_attach then
        M.config.on_attach(client, bufnr)
      end
    end,
  }
end

--- Attaches the engram client for the buffer's root (starting it when needed). Returns the client id or nil.
function M.attach(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" or vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  local root = M.find_root(name)
  if vim.lsp.start ~= nil then
    return vim.lsp.start(client_config(root), { bufnr = bufnr })
  end
  local id = M._clients[root]
  if id == nil or vim.lsp.get_client_by_id(id) == nil or vim.lsp.get_client_by_id(id).is_stopped() then
    id = vim.lsp.start_client(client_config(root))
    if id == nil then
      notify("could not start " .. table.concat(M.config.cmd, " "), vim.log.levels.ERROR)
      return nil
    end
    M._clients[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

--- The engram client attached to `bufnr` (default: current buffer), or nil.
function M.get_client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local clients
  if vim.lsp.get_clients ~= nil then
    clients = vim.lsp.get_clients({ bufnr = bufnr })
  else
    clients = vim.lsp.buf_get_clients(bufnr)
  end
  for _, client in pairs(clients) do
    if client.name == "engram" then
      return client
    end
  end
  return nil
end

--- client.request on 0.7-0.10, client:request on 0.11+ (where the dot form is deprecated).
function M.request(client, method, params, handler, bufnr)
  if vim.fn.has("nvim-0.11") == 1 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

--- Runs a server command (workspace/executeCommand) and calls on_result(result) or reports the error.
function M.execute(command, arguments, on_result, bufnr)
  local client = M.get_client(bufnr)
  if client == nil then
    notify("no Engram server is attached to this buffer", vim.log.levels.WARN)
    return false
  end
  M.request(client, "workspace/executeCommand", { command = command, arguments = arguments or {} }, function(err, result)
    if err then
      notify(command .. " failed: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
      return
    end
    if on_result then
      on_result(result)
    end
  end, bufnr or vim.api.nvim_get_current_buf())
  return true
end

--- Opens a scratch markdown buffer with `lines` in a split. Returns its buffer number.
function M.show_markdown(title, lines)
  vim.cmd("botright new")
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].buftype = "nofile"
  vim.bo[buf].bufhidden = "wipe"
  vim.bo[buf].swapfile = false
  pcall(vim.api.nvim_buf_set_name, buf, "engram://" .. title .. "/" .. buf)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].filetype = "markdown"
  vim.bo[buf].modifiable = false
  return buf
end

local function split_lines(text)
  return vim.split(text or "", "\n", { plain = true })
end

--- :EngramIndex
function M.index()
  notify("indexing…")
  return M.execute("engram.index", {}, function(result)
    local files, chunks, seconds = 0, 0, 0
    for _, r in ipairs((result or {}).roots or {}) do
      files = files + (r.files or 0)
      chunks = chunks + (r.chunks or 0)
      seconds = seconds + (r.seconds or 0)
    end
    M.last_index = result
    notify(string.format("indexed %d files, %d chunks in %.1f s", files, chunks, seconds))
  end)
end

--- :EngramReview [%]: the whole working tree, or with `current` only the current buffer's changed lines.
function M.review(current)
  local args = {}
  if current then
    args = { vim.uri_from_bufnr(vim.api.nvim_get_current_buf()) }
  end
  return M.execute("engram.reviewChanges", args, function(result)
    M.last_review = result
    notify(string.format("review: %d finding(s); see :lua vim.diagnostic.setqflist()", (result or {}).findings or 0))
  end)
end

--- Answer lines: the markdown, then a Sources list; citations also go to the quickfix list.
function M.answer_lines(question, result)
  local lines = { "# " .. question, "" }
  if result.extractive then
    vim.list_extend(lines, { "> Extractive answer: the most relevant passages (no model configured).", "" })
  end
  vim.list_extend(lines, split_lines(result.markdown))
  local citations = result.citations or {}
  if #citations > 0 then
    vim.list_extend(lines, { "", "## Sources", "" })
    for i, c in ipairs(citations) do
      table.insert(lines, string.format("%d. %s:%d-%d", i, c.path, c.startLine, c.endLine))
    end
  end
  return lines
end

--- :EngramAsk {question}
function M.ask(question)
  if question == nil or question == "" then
    question = vim.fn.input("Engram ask: ")
  end
  if question == "" then
    return false
  end
  return M.execute("engram.ask", { question }, function(result)
    result = result or {}
    M.last_answer = result
    local items = {}
    for _, c in ipairs(result.citations or {}) do
      table.insert(items, { filename = vim.uri_to_fname(c.uri), lnum = c.startLine, end_lnum = c.endLine, text = c.path })
    end
    vim.fn.setqflist({}, " ", { title = "Engram: " .. question, items = items })
    M.show_markdown("answer", M.answer_lines(question, result))
  end)
end

local function run_dialogue(mode, topic)
  return M.execute("engram.runDialogue", { mode, topic }, function(result)
    result = result or {}
    M.last_dialogue = result
    local lines = { "# " .. mode .. ": " .. topic, "", "_Dialogue " .. tostring(result.id) .. " — " .. tostring(result.status) .. "_", "" }
    vim.list_extend(lines, split_lines(result.markdown))
    M.show_markdown("dialogue", lines)
  end)
end

--- :EngramDialogue [mode [topic…]]: without a mode, pick one from engram.listModes.
function M.dialogue(mode, topic)
  if mode ~= nil and mode ~= "" then
    if topic == nil or topic == "" then
      topic = vim.fn.input("Topic: ")
    end
    if topic == "" then
      return false
    end
    return run_dialogue(mode, topic)
  end
  return M.execute("engram.listModes", {}, function(modes)
    vim.ui.select(modes or {}, {
      prompt = "Engram dialogue mode",
      format_item = function(m) return m.name .. " — " .. (m.description or "") end,
    }, function(choice)
      if choice == nil then
        return
      end
      vim.ui.input({ prompt = "Topic: " }, function(t)
        if t ~= nil and t ~= "" then
          run_dialogue(choice.name, t)
        end
      end)
    end)
  end)
end

--- :[range]EngramExplain
function M.explain(line1, line2)
  local buf = vim.api.nvim_get_current_buf()
  local last = vim.api.nvim_buf_get_lines(buf, line2 - 1, line2, false)[1] or ""
  local range = { start = { line = line1 - 1, character = 0 }, ["end"] = { line = line2 - 1, character = #last } }
  return M.execute("engram.explain", { vim.uri_from_bufnr(buf), range }, function(result)
    M.show_markdown("explanation", split_lines((result or {}).markdown))
  end)
end

--- :EngramDocs: a doc comment for the symbol at the cursor (applied by the server through workspace/applyEdit).
function M.docs()
  local pos = vim.api.nvim_win_get_cursor(0)
  return M.execute("engram.generateDocs", { vim.uri_from_bufnr(0), { line = pos[1] - 1, character = pos[2] } }, function(result)
    if not (result or {}).applied then
      notify("no doc comment was inserted", vim.log.levels.WARN)
    end
  end)
end

--- :EngramUsage
function M.usage()
  return M.execute("engram.usage", {}, function(u)
    u = u or {}
    local lines = { "# Engram usage today", "", string.format("%d call(s), $%.4f", u.todayCalls or 0, u.todayCost or 0), "" }
    for _, m in ipairs(u.models or {}) do
      table.insert(lines, string.format("- %s: %d call(s), $%.4f", m.model, m.calls, m.cost))
    end
    M.show_markdown("usage", lines)
  end)
end

--- A short status string for a statusline, e.g. "engram: 120 files · local stories · $0.00".
function M.statusline()
  local s = M.last_status
  if s == nil then
    return ""
  end
  local index = s.index or {}
  local model = s.model or {}
  local idx = index.state == "ready" and (tostring(index.files) .. " files") or (index.state or "?")
  local mdl = model.name == nil and "no model" or (((model["local"] and "local ") or "cloud ") .. tostring(model.name))
  return string.format("engram: %s · %s · $%.2f", idx, mdl, s.costToday or 0)
end

local function create_commands()
  local cmd = vim.api.nvim_create_user_command
  cmd("EngramIndex", function() M.index() end, { desc = "Engram: index the workspace" })
  cmd("EngramReview", function(o) M.review(o.args == "%") end, { nargs = "?", desc = "Engram: review changes (% = this buffer)" })
  cmd("EngramAsk", function(o) M.ask(o.args) end, { nargs = "*", desc = "Engram: ask a question about the workspace" })
  cmd("EngramDialogue", function(o)
    local mode, topic = o.args:match("^(%S+)%s*(.*)$")
    M.dialogue(mode, topic)
  end, { nargs = "*", desc = "Engram: run a dialogue mode" })
  cmd("EngramExplain", function(o) M.explain(o.line1, o.line2) end, { range = true, desc = "Engram: explain lines" })
  cmd("EngramDocs", function() M.docs() end, { desc = "Engram: generate a doc comment" })
  cmd("EngramUsage", function() M.usage() end, { desc = "Engram: model usage today" })
end

--- setup(opts): merges opts into the defaults, creates the commands, and attaches to matching buffers
--- (including those already open).
function M.setup(opts)
  M.config = vim.tbl_deep_extend("force", vim.deepcopy(defaults), opts or {})
  if opts and opts.filetypes then
    M.config.filetypes = opts.filetypes
  end
  if opts and opts.cmd then
    M.config.cmd = opts.cmd
  end
  create_commands()
  require("engram.inline").setup(M.config.inline)
  local group = vim.api.nvim_create_augroup("engram", { clear = true })
  local pattern = (#M.config.filetypes > 0) and M.config.filetypes or "*"
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = pattern,
    callback = function(args) M.attach(args.buf) end,
  })
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) then
      local ft = vim.bo[buf].filetype
      if #M.config.filetypes == 0 or vim.tbl_contains(M.config.filetypes, ft) then
        M.attach(buf)
      end
    end
  end
end

return M
