-- How `require` finds a module, in order: package.preload; the modules built into bkup
-- (stdlib/, as bytecode); users' files on package.path (LUA_PATH is honoured), loaded as text
-- only (a precompiled chunk is refused); C modules; and last, bkup's old module names
-- (`args`, `dates`...) lead to their `bkup.` modules, so that a user's own module of the same
-- name still wins. Run by the host with its built-in searcher.
local builtin = ...
local searchers, searchpath, package, require = package.searchers, package.searchpath, package, require
local function pathSearcher(name)
  local file, err = searchpath(name, package.path)
  if not file then return err end  -- require puts "\n\t" in front
  local chunk, loadErr = loadfile(file, "t")
  if not chunk then
    error(string.format("error loading module '%s' from file '%s':\n\t%s", name, file, loadErr), 2)
  end
  return chunk, file
end
searchers[2] = pathSearcher
table.insert(searchers, 2, builtin)
local aliases = { args = "bkup.args", dates = "bkup.dates", pretty = "bkup.pretty", help = "bkup.help",
                  repl = "bkup.repl" }
searchers[#searchers + 1] = function(name)
  local target = aliases[name]
  if not target then return nil end
  return function() return require(target) end, ":" .. target
end
