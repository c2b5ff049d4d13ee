-- apitypes: the API as the editor types declare it (types/bkup.lua, LuaCATS), read once, so that
-- help() and the REPL's completion name exactly what lua-language-server is told.
--   apitypes.index(source?) --> {entries = {name -> entry}, order = {names...}, children = {name -> {child -> true}}}
-- An entry: {name=, kind="function"|"table"|"class", doc=, params={{name=, type=, optional=}},
-- returns={...types}, fields={{name=, type=, doc=}}}. Methods are named `Class:method`.
local M = {}

local cache

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- A LuaCATS type at the start of s (`{ a: b, c: d }|nil` and `fun(x: y): z` keep their spaces)
-- and what follows it.
local function splitType(s)
  s = s:gsub("^%s+", "")
  local depth, i = 0, 1
  while i <= #s do
    local c = s:sub(i, i)
    if c == "{" or c == "(" or c == "<" or c == "[" then depth = depth + 1
    elseif c == "}" or c == ")" or c == ">" or c == "]" then depth = depth - 1
    elseif c:match("%s") and depth <= 0 then
      -- `fun(x): y`, `a | b`: a space after ':' or around '|' is still the type
      local before, after = s:sub(1, i - 1), s:sub(i):match("^%s*(.)")
      if not (before:match("[:|,]$") or after == "|") then break end
    end
    i = i + 1
  end
  return s:sub(1, i - 1), trim(s:sub(i))
end

--- Parses LuaCATS text: `function a.b(x) end`, `a["b"] = function(x) end`, `a.b = {}` tables,
--- `---@class` with its `---@field`s, `---` doc lines, `---@param` and `---@return`.
function M.parse(source)
  local entries, order, children = {}, {}, {}
  local doc, params, returns, fields, class = {}, {}, {}, {}, nil
  local localClass = {}  -- `local RotateReport = {}` after `---@class bkup.RotateReport`
  local function clear() doc, params, returns, fields, class = {}, {}, {}, {}, nil end
  local function add(name, entry)
    entry.name = name
    for _, f in ipairs(entry.fields or {}) do
      children[name] = children[name] or {}
      children[name][f.name] = children[name][f.name] or "."
    end
    entry.doc = table.concat(doc, " ")
    if entries[name] == nil then order[#order + 1] = name end
    entries[name] = entry
    local parent, sep, child = name:match("^(.*)([%.:])([^%.:]+)$")
    if parent then
      children[parent] = children[parent] or {}
      children[parent][child] = sep
    end
  end
  for line in (source .. "\n"):gmatch("([^\n]*)\n") do
    local tag, rest = line:match("^%-%-%-@(%w+)%s*(.*)$")
    if tag == "class" then
      if class then clear() end
      class = rest:match("^([%w_.]+)")
    elseif tag == "field" then
      local name, t, d = rest:match('^%[?"?([%w_$]+)"?%]?(%??)%s*(.*)$')
      if name then
        local ty, desc = splitType(d)
        fields[#fields + 1] = { name = name, type = ty, optional = t == "?", doc = desc }
      end
    elseif tag == "param" then
      local name, opt, d = rest:match("^([%w_.]+)(%??)%s+(.*)$")
      if name then params[#params + 1] = { name = name, optional = opt == "?", type = (splitType(d)) } end
    elseif tag == "return" then
      returns[#returns + 1] = trim(rest)
    elseif not tag and line:match("^%-%-%-") then  -- (@meta, @alias, @overload: not help)
      doc[#doc + 1] = trim(line:sub(4))
    else
      local fname, args = line:match("^function%s+([%w_.:]+)%s*%(([^)]*)%)")
      if not fname then
        local t, k, a = line:match('^([%w_.]+)%["(%w+)"%]%s*=%s*function%s*%(([^)]*)%)')
        if t then fname, args = t .. "." .. k, a end
      end
      local tname = line:match("^([%w_.]+)%s*=%s*{}")
      local lname = line:match("^local%s+([%w_]+)%s*=%s*{}")
      if fname then
        local owner, method = fname:match("^([%w_]+):([%w_]+)$")
        if owner and localClass[owner] then fname = localClass[owner] .. ":" .. method end
        local named = {}
        for a in args:gmatch("[^,%s]+") do named[#named + 1] = a end
        -- Undocumented parameters keep their names from the declaration.
        if #params == 0 then
          for _, a in ipairs(named) do params[#params + 1] = { name = a } end
        end
        add(fname, { kind = "function", params = params, returns = returns })
        clear()
      elseif tname then
        add(tname, { kind = "table", fields = fields })
        clear()
      elseif lname and class then
        localClass[lname] = class
        add(class, { kind = "class", fields = fields })
        clear()
      elseif class and not line:match("%S") then
        add(class, { kind = "class", fields = fields })
        clear()
      elseif not line:match("%S") or not line:match("^%-%-") then
        clear()
      end
    end
  end
  return { entries = entries, order = order, children = children }
end

--- The index of the types built into the host (bkup._types), read once.
function M.index(source)
  if source then return M.parse(source) end
  if not cache then cache = M.parse(require("bkup._types").source()) end
  return cache
end

--- `name(a, b?) --> r` for a function entry.
function M.signature(entry)
  local ps = {}
  for i, p in ipairs(entry.params or {}) do
    ps[i] = p.name .. (p.optional and "?" or "") .. (p.type and (": " .. p.type) or "")
  end
  local s = entry.name .. "(" .. table.concat(ps, ", ") .. ")"
  if entry.returns and #entry.returns > 0 then s = s .. " --> " .. table.concat(entry.returns, ", ") end
  return s
end

return M
