-- repl: the Lua side of bkup's interactive shell (evaluation, printing, completion).
local pretty = require("bkup.pretty")
local help = require("bkup.help")
pretty.describeFunction = help.signature
local M = {}

--- Runs a compiled chunk and prints its results; `_` holds the first.
function M.eval(chunk, color)
  local results = table.pack(chunk())
  if results.n > 0 then
    _G._ = results[1]
    io.write(pretty.formatAll(results, results.n, { color = color }), "\n")
  end
end

--- Runs a compiled chunk and prints its results with the global `print`, as lua.c's REPL does
--- (for a REPL that reads a pipe).
function M.evalprint(chunk)
  local results = table.pack(chunk())
  if results.n > 0 then
    local ok, err = pcall(_G.print, table.unpack(results, 1, results.n))
    if not ok then io.stderr:write("error calling 'print' (", tostring(err), ")\n") end
  end
end

local keywords = {
  "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
  "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
}

-- Keys of t and of the tables in its __index chain, without calling anything.
local function keysOf(t, out, depth)
  if depth > 4 then return end
  if type(t) == "table" then
    for k in next, t do
      if type(k) == "string" then out[k] = rawget(t, k) end
    end
  end
  local mt = getmetatable(t)
  if type(mt) == "table" then
    local idx = rawget(mt, "__index")
    if type(idx) == "table" then keysOf(idx, out, depth + 1) end
  end
end

local function lookup(t, k)
  if type(t) == "table" then
    local v = rawget(t, k)
    if v ~= nil then return v end
  end
  local mt = getmetatable(t)
  local idx = type(mt) == "table" and rawget(mt, "__index")
  if type(idx) == "table" then return lookup(idx, k) end
  return nil
end

--- Completions of the word before the cursor (`backups.pol`, `h:wa`, `pri`): full words.
function M.complete(word)
  local path, sep, partial = word:match("^(.-)([%.:]?)([%w_]*)$")
  local candidates = {}
  if sep == "" then
    keysOf(_G, candidates, 0)
    for _, k in ipairs(keywords) do candidates[k] = true end
    path = ""
  else
    local v = _G
    for part in path:gmatch("[^.:]+") do
      v = lookup(v, part)
      if v == nil then return {} end
    end
    if type(v) ~= "table" and type(v) ~= "userdata" then return {} end
    keysOf(v, candidates, 0)
  end
  local out = {}
  for k, v in pairs(candidates) do
    if k:sub(1, #partial) == partial and k:match("^[%a_][%w_]*$") and (sep ~= ":" or type(v) == "function") then
      out[#out + 1] = path .. sep .. k
    end
  end
  table.sort(out)
  return out
end

_G.help = help.help
return M
