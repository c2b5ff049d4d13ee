-- Compares the editor types (types/bkup.lua) with what the runtime exposes: every function
-- reachable from the host's globals must be declared, and every declared function must exist.
--   bkup types_walk.lua TYPES_FILE   -- prints one line per difference and the count compared
local path = assert(arg[1], "usage: types_walk.lua TYPES_FILE")
local roots = { "backups", "Query", "ID", "task", "cron", "json", "help" }
-- Loaded on first use, so walked by indexing; `config` starts a client and holds no functions.
local lazy = { rotate = true, retention = true, report = true, audit = true, schedules = true }

local runtime = {}
local function walk(value, name, seen)
  if type(value) == "function" then
    runtime[name] = true
  elseif type(value) == "table" and not seen[value] then
    seen[value] = true
    local keys = {}
    for k in next, value do if type(k) == "string" then keys[#keys + 1] = k end end
    if value == backups then for k in pairs(lazy) do keys[#keys + 1] = k end end
    for _, k in ipairs(keys) do
      if not k:match("^_") and not (value == backups and k == "config") then
        local v = rawget(value, k)
        if v == nil then v = value[k] end
        walk(v, name .. "." .. k, seen)
      end
    end
  end
end
for _, root in ipairs(roots) do walk(_G[root], root, {}) end

local declared = {}
local rootSet = {}
for _, r in ipairs(roots) do rootSet[r] = true end
local file = assert(io.open(path))
for line in file:lines() do
  -- function a.b.c(   and   Query["and"] = function(
  local name = line:match("^function ([%w_.]+)%(")
  local owner, key = line:match('^([%w_.]+)%["([%w_]+)"%] = function%(')
  if owner then name = owner .. "." .. key end
  if name and rootSet[name:match("^[%w_]+")] then declared[name] = true end
end
file:close()

local problems, compared = {}, 0
for name in pairs(runtime) do
  compared = compared + 1
  if not declared[name] then problems[#problems + 1] = "not in the types: " .. name end
end
for name in pairs(declared) do
  if not runtime[name] then problems[#problems + 1] = "not in the runtime: " .. name end
end
table.sort(problems)
for _, p in ipairs(problems) do print(p) end
print("compared " .. compared)
if #problems > 0 then os.exit(1) end
