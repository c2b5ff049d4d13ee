-- bkup.check: argument checks for the stdlib, worded as lauxlib words them
-- ("bad argument #2 to 'update' (table expected, got string)"), with the type names
-- luaL_typeerror uses (a metatable's __name: backups.Error, backups.Record, json.null).
--
--   local check = require("bkup.check")
--   check.type(opts, "table", 2, "wait", true)          -- an optional table
--   check.arg(n >= 0, 1, "sleep", "non-negative number expected")
--
-- The error points at the caller of the function that checks; `level` (default 1) says how many
-- more frames up that caller is, for checks made in a helper.
local M = {}

--- The name luaL_typeerror gives a value: its metatable's __name, else its basic type.
function M.typename(v)
  local mt = getmetatable(v)
  local name = type(mt) == "table" and rawget(mt, "__name")
  if type(name) == "string" then return name end
  if type(v) == "userdata" and v == json.null then return "json.null" end
  return type(v)
end

--- Raises "bad argument #i to 'fname' (message)" at the caller's caller when cond is false.
function M.arg(cond, i, fname, message, level)
  if not cond then error(string.format("bad argument #%d to '%s' (%s)", i, fname, message), 2 + (level or 1)) end
  return cond
end

--- Checks that v has Lua type `expected` (nil passes when optional).
function M.type(v, expected, i, fname, optional, level)
  if (optional and v == nil) or type(v) == expected then return v end
  error(string.format("bad argument #%d to '%s' (%s expected, got %s)", i, fname, expected, M.typename(v)), 2 + (level or 1))
end

--- Raises "bad argument #i to 'fname' (what expected, got <type>)" for a value of the wrong kind.
function M.expected(v, what, i, fname, level)
  error(string.format("bad argument #%d to '%s' (%s expected, got %s)", i, fname, what, M.typename(v)), 2 + (level or 1))
end

-- What a field of a schema may hold: a Lua type, "integer", or "list" (an array of strings; a
-- lone string is not one). "string|number" allows either.
local function holds(v, kind)
  -- math.tointeger's rule, as every integer the host reads: 4.0 is 4, 4.5 and "4" are not integers.
  if kind == "integer" then return math.type(v) ~= nil and math.tointeger(v) ~= nil end
  if kind == "list" then
    if type(v) ~= "table" then return false end
    for k, item in pairs(v) do
      if math.type(k) ~= "integer" or type(item) ~= "string" then return false end
    end
    return true
  end
  return type(v) == kind
end

local function expectedText(spec)
  return (spec:gsub("list", "list of strings"):gsub("|", " or "))
end

--- Checks an options table field by field, as the Swift bindings check theirs: every field must
--- be named in `schema` ({timeout = "number", ids = "list", now = "string|number"}) and hold what
--- it says (nil is absent). Raises "bad argument #i to 'fname' (field 'timeout': number expected,
--- got string)" or "(unknown field 'x' (fields: a, b))". Returns t.
function M.fields(t, schema, i, fname, level)
  local names
  for k, v in pairs(t) do
    local spec = type(k) == "string" and schema[k]
    if not spec then
      if not names then
        names = {}
        for name in pairs(schema) do names[#names + 1] = name end
        table.sort(names)
      end
      error(string.format("bad argument #%d to '%s' (unknown field '%s' (fields: %s))", i, fname, tostring(k),
        table.concat(names, ", ")), 2 + (level or 1))
    end
    local ok = false
    for kind in spec:gmatch("[^|]+") do ok = ok or holds(v, kind) end
    if not ok then
      error(string.format("bad argument #%d to '%s' (field '%s': %s expected, got %s)", i, fname, k, expectedText(spec),
        M.typename(v)), 2 + (level or 1))
    end
  end
  return t
end

--- An optional options table at argument i, checked by `schema` (see M.fields); {} when absent.
function M.options(opts, schema, i, fname, level)
  if opts == nil then return {} end
  if type(opts) ~= "table" then M.expected(opts, "table", i, fname, (level or 1) + 1) end
  return M.fields(opts, schema, i, fname, (level or 1) + 1)
end

return M
