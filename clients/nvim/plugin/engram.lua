-- Nothing starts until require("engram").setup({...}) is called (see clients/nvim/README.md).
if vim.g.loaded_engram then
  return
end
vim.g.loaded_engram = true
