-- The sandbox (--sandbox): removes everything that reaches outside the host: files,
-- processes, the environment, native code, bytecode and the debug library.
io = nil
debug = nil
dofile, loadfile = nil, nil
package.loaded.io, package.loaded.debug = nil, nil
for _, name in ipairs({ "execute", "remove", "rename", "exit", "getenv", "tmpname", "setlocale" }) do
  os[name] = nil
end
package.loadlib = nil
package.searchpath = nil  -- it tells whether any file on the machine exists
package.cpath = ""
package.path = ""
-- Built-in modules only: package.preload (where bkup's own library is), the host's modules and
-- the aliases of bkup's old names (the last two searchers).
local searchers = package.searchers
local host, aliases = searchers[#searchers - 1], searchers[#searchers]
for i = #searchers, 2, -1 do searchers[i] = nil end
searchers[2], searchers[3] = host, aliases
local rawload = load
load = function(chunk, chunkname, mode, env)
  if mode ~= nil and mode ~= "t" then
    error("load: only text chunks are allowed in the sandbox (mode '" .. tostring(mode) .. "')", 2)
  end
  return rawload(chunk, chunkname, "t", env)
end
