-- How `require` finds a module: lua5.4's four searchers, in lua5.4's order (package.preload,
-- Lua files on package.path, C modules on package.cpath, their all-in-one root), then the
-- modules the host registered (json, task, cron, Query, ID, backups...), then bkup's old module
-- names. So a user's ./json.lua wins for `require "json"` (the global `json` stays bkup's),
-- while bkup's own library, every module named `bkup.*` or `backups.*` (stdlib/, as bytecode),
-- is found through package.preload and is always bkup's. Lua files load as text only (a
-- precompiled chunk is refused); a C module that links a Lua core of its own is refused
-- (Sources/CLuaBridge/modules.c). Run by the host with its built-in searcher and the table of
-- the modules it registered, by name.
local builtin, registered = ...
local searchers, require, setmetatable, type = package.searchers, require, setmetatable, type
-- package.preload[name] for a module of bkup's library is its loader (pairs lists none of them):
-- a Lua module of stdlib/, or one the host registered under bkup's namespaces (bkup.terminal).
setmetatable(package.preload, { __index = function(_, name)
  if type(name) ~= "string" then return nil end
  local loader = builtin(name)
  if loader then return loader end
  local module = registered[name]
  if module ~= nil and (name:find("^bkup%.") or name:find("^backups%.")) then
    return function() return module end
  end
  return nil
end })
local aliases = { args = "bkup.args", dates = "bkup.dates", pretty = "bkup.pretty", help = "bkup.help",
                  repl = "bkup.repl" }
searchers[#searchers + 1] = function(name)
  local target = aliases[name]
  if not target then return nil end
  return function() return require(target) end, ":" .. target
end
