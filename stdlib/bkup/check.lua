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

return M
