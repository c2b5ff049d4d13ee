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
-- Built-in modules only: package.preload, bkup's own modules and the aliases of its old names.
local searchers = package.searchers
local builtin, aliases = searchers[2], searchers[#searchers]
for i = #searchers, 2, -1 do searchers[i] = nil end
searchers[2], searchers[3] = builtin, aliases
local rawload = load
load = function(chunk, chunkname, mode, env)
  if mode ~= nil and mode ~= "t" then
    error("load: only text chunks are allowed in the sandbox (mode '" .. tostring(mode) .. "')", 2)
  end
  return rawload(chunk, chunkname, "t", env)
end
