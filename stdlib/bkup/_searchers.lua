-- How `require` finds a module: lua5.4's four searchers, in lua5.4's order (package.preload,
-- Lua files on package.path, C modules on package.cpath, their all-in-one root), then the
-- modules the host registered (json, task, cron, Query, ID, backups...), then bkup's old module
-- names. So a user's ./json.lua wins for `require "json"` (the global `json` stays bkup's),
-- while bkup's own library, every module named `bkup.*` or `backups.*` (stdlib/, as bytecode),
-- is found through package.preload and is always bkup's. Lua files load as text only (a
-- precompiled chunk is refused); a C module that links a Lua core of its own is refused
-- (Sources/CLuaBridge/modules.c). Run by the host with its built-in searcher.
local builtin = ...
local searchers, require, setmetatable = package.searchers, require, setmetatable
-- package.preload[name] for a built-in module is its loader (pairs lists none of them).
setmetatable(package.preload, { __index = function(_, name)
  if type(name) ~= "string" then return nil end
  local loader = builtin(name)
  return loader
end })
local aliases = { args = "bkup.args", dates = "bkup.dates", pretty = "bkup.pretty", help = "bkup.help",
                  repl = "bkup.repl" }
searchers[#searchers + 1] = function(name)
  local target = aliases[name]
  if not target then return nil end
  return function() return require(target) end, ":" .. target
end
