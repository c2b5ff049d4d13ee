-- complete: what Tab offers in the REPL, without calling anything (no metamethod, no request):
-- the live keys of a value and of its __index tables, a record's read aliases, string methods
-- after `:`, and every name the editor types declare below the same path (so backups.rotate,
-- backups.config.project ... before they are loaded, and on a connection as on backups).
local apitypes = require("bkup.apitypes")
local M = {}

local keywords = {
  "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
  "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
}

-- Keys of t and of the tables in its __index chain, without calling anything.
local function keysOf(t, out, depth)
  if depth > 4 then return end
  if type(t) == "table" then
    for k, v in next, t do
      if type(k) == "string" then out[k] = v end
    end
  end
  local mt = getmetatable(t)
  if type(mt) == "table" then
    local idx = rawget(mt, "__index")
    if type(idx) == "table" then keysOf(idx, out, depth + 1) end
    if rawget(mt, "__name") == "backups.Record" then
      for alias, wire in pairs({ id = "$id", createdAt = "$createdAt", updatedAt = "$updatedAt" }) do
        if rawget(t, wire) ~= nil then out[alias] = rawget(t, wire) end
      end
    end
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

local isConnection = require("bkup.view").isConnection

-- The types' name for a value reached by `path`: a connection is `backups`.
local function typesName(root, parts)
  local name
  if isConnection(root) then name = "backups" elseif type(root) == "table" and root == rawget(_G, parts[1]) then name = parts[1] end
  return name
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
    local parts = {}
    for part in path:gmatch("[^.:]+") do parts[#parts + 1] = part end
    if #parts == 0 then return {} end
    local v = rawget(_G, parts[1])
    local name = typesName(v, parts)
    for i = 2, #parts do
      v = v ~= nil and lookup(v, parts[i]) or nil
      if isConnection(v) then name = "backups" elseif name then name = name .. "." .. parts[i] end
    end
    local mt = v ~= nil and getmetatable(v)
    local declaredName = type(mt) == "table" and rawget(mt, "__name")
    if not isConnection(v) and type(declaredName) == "string" and apitypes.index().children[declaredName] then
      name = declaredName  -- task.Handle, backups.Error: what the types say of their class
    end
    if v ~= nil then
      if type(v) == "string" then v = string end
      if type(v) ~= "table" and type(v) ~= "userdata" then return {} end
      keysOf(v, candidates, 0)
    end
    local declared = name and apitypes.index().children[name]
    for k, s in pairs(declared or {}) do
      if candidates[k] == nil and (sep ~= ":" or s == ":") then candidates[k] = s == ":" and print or true end
    end
    if v == nil and not declared then return {} end
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

return M
