-- luacheck for bkup's Lua: the stdlib, the ready-made scripts, the benchmarks' scripts and the
-- editor types. `luacheck .` at the root checks them all (./test.sh runs it).
std = "lua54"
-- The globals bkup's host provides (types/bkup.lua declares each of them).
read_globals = { "backups", "Query", "ID", "task", "cron", "json", "help" }
include_files = { "stdlib/**/*.lua", "scripts/**/*.lua", "Benchmarks/*.lua", "types/*.lua", ".luacheckrc" }
exclude_files = { "Tests/LuaSuite/**", ".build*/**" }
max_line_length = 160

files["types/*.lua"] = {
  -- ---@meta files: they define the globals, with stubs whose parameters go unused.
  globals = { "backups", "Query", "ID", "task", "cron", "json" },
  unused_args = false,
  unused = false,
}
files["stdlib/backups/_prelude.lua"] = { globals = { "backups" } }
-- The sandbox takes away what reaches outside the host: it writes those globals on purpose.
files["stdlib/bkup/_sandbox.lua"] = { globals = { "io", "debug", "dofile", "loadfile", "load", "os", "package" } }
-- help's entries are text, one per line.
files["stdlib/bkup/help.lua"] = { max_line_length = false }
