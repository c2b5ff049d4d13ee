-- repl: the Lua side of bkup's interactive shell: evaluation, results a screenful at a time
-- (bkup.view; `it` shows more), `pretty`, `use` (bkup.use), completion (bkup.complete), help.
local pretty = require("bkup.pretty")
local help = require("bkup.help")
pretty.describeFunction = help.signature
local M = {}

local view = require("bkup.view")
local terminal = require("bkup.terminal")
local color = false

-- The iterators each() made in the REPL (shown a page at a time, as mongosh's cursors).
local cursors = setmetatable({}, { __mode = "k" })
local tracked = setmetatable({}, { __mode = "k" })

-- each(), marking what it returns. Compiled as the line typed (=stdin), so that each's own
-- errors, which name their caller's place, name the line, not this file.
local marking = assert(load(
  "local each, cursors = ... return function(...) local iter = each(...) cursors[iter] = true return iter end",
  "=stdin", "t"))
local function mark(each) return marking(each, cursors) end

--- Makes the each() of a connection's lists mark the iterators they return.
function M.track(conn)
  if type(conn) ~= "table" or tracked[conn] then return end
  tracked[conn] = true
  local lists = { rawget(conn, "policies"), rawget(conn, "archives"), rawget(conn, "restorations") }
  local resources = rawget(conn, "resources")
  if type(resources) == "table" then
    for _, kind in ipairs({ "databases", "buckets", "functions" }) do lists[#lists + 1] = rawget(resources, kind) end
  end
  for _, list in ipairs(lists) do
    local each = type(list) == "table" and rawget(list, "each")
    if type(each) == "function" then
      list.each = mark(each)
    end
  end
end
M.track(rawget(_G, "backups"))

--- Runs a compiled chunk and shows its results, a screenful at most (`it` shows more);
--- `_` holds the first.
function M.eval(chunk, colored)
  color = colored
  local results = table.pack(chunk())
  if results.n > 0 then
    _G._ = results[1]
    local text
    if results.n == 1 and cursors[results[1]] then
      return view.showCursor(results[1], terminal.height(), color)
    elseif results.n == 1 then
      -- A value that only looks like records (a field of the wrong type) still prints, as pretty's.
      local ok, shown = pcall(view.render, results[1], { color = color, width = terminal.width() })
      text = ok and shown or pretty.format(results[1], { color = color })
    else
      text = pretty.formatAll(results, results.n, { color = color })
    end
    view.show(text, terminal.height(), terminal.width(), color)
  end
end

help.print = function(text) view.show(text, terminal.height(), terminal.width(), color) end

--- mongosh's `it`: the next screenful of the last result.
function _G.it()
  if not view.more(terminal.height(), terminal.width(), color) then print("no more: the last result was shown whole") end
end

--- The whole value, however long or deep (the REPL's own view stops at a screenful).
function _G.pretty(v)
  print(pretty.format(v, { color = color, depth = math.huge, width = math.huge }))
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

M.complete = require("bkup.complete").complete
require("bkup.use").install(M)

_G.help = help.help
return M
