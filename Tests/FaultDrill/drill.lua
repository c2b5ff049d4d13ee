-- The fault drill's workload (Tests/FaultDrill/drill.py runs it through a misbehaving proxy):
-- bulk creates with client-chosen IDs, updates, deletes, and one archive per database, each at
-- task.map's concurrency. Prints one JSON line: what was asked, what came back, every error.
--
--   bkup --endpoint URL ... drill.lua [policies=120]
local n = math.tointeger(tonumber(arg[1] or "120"))
local ids, deleted = {}, {}
for i = 1, n do ids[i] = string.format("drill-%04d", i) end
for i = 3, n, 3 do deleted[#deleted + 1] = ids[i] end

local errors = {}
local function collect(phase, list, errs)
  for i, e in pairs(errs) do errors[#errors + 1] = string.format("%s %s: %s", phase, tostring(list[i]), tostring(e)) end
end

local options = { progress = false }
local _, e1 = task.map(ids, function(id)
  return backups.policies.create{ id = id, services = { "databases" }, retention = 7, schedule = "0 2 * * *" }
end, options)
collect("create", ids, e1)
local _, e2 = task.map(ids, function(id) return backups.policies.update(id, { retention = 9 }) end, options)
collect("update", ids, e2)
local _, e3 = task.map(deleted, function(id) return backups.policies.delete(id) end, options)
collect("delete", deleted, e3)

local databases = {}
for db in backups.resources.databases.each() do databases[#databases + 1] = db["$id"] end
local archives, e4 = task.map(databases, function(id)
  return backups.archives.create{ services = { "databases" }, resourceId = id }
end, options)
collect("archive", databases, e4)
local made = {}
for i, id in ipairs(databases) do made[id] = archives[i] and archives[i]["$id"] or json.null end

print(json.encode({ policies = ids, deleted = json.array(deleted), archives = made, errors = json.array(errors) }))
if #errors > 0 then os.exit(1) end
