-- demo.lua — the sample job: give every database a nightly policy with 30-day retention, run a
-- backup round of all of them concurrently, wait for the archives, and print a report.
-- Runs on the embedded emulator (no --endpoint): it seeds five databases there if it has none.
--
--   bkup scripts/demo.lua            # or with --dry-run to see the plan only
local cfg = backups.config
if not cfg.emulator then
  error("demo.lua seeds example data: run it on the embedded emulator (without --endpoint)", 0)
end
if backups.resources.databases.list().total == 0 then
  backups.emulator.seed{databases = 5}
end

local dbs = {}
for db in backups.resources.databases.each() do dbs[#dbs + 1] = db end
print(string.format("%d databases on %s (project %s)", #dbs, cfg.endpoint, cfg.project))

-- 1. Every database gets a nightly policy (created if missing, converged if drifted).
local policies, failures = task.map(dbs, function(db)
  local id = "nightly-" .. db.id
  local ok, existing = pcall(backups.policies.get, id)
  if not ok then
    if existing.code ~= 404 then error(existing) end
    return backups.policies.create{id = id, name = "Nightly " .. db.name, services = {"databases"},
                                   resourceId = db.id, retention = 30, schedule = "0 2 * * *"}
  end
  if existing.retention ~= 30 or existing.schedule ~= "0 2 * * *" or not existing.enabled then
    return backups.policies.update(id, {retention = 30, schedule = "0 2 * * *", enabled = true})
  end
  return existing
end)

-- 2. A backup round: one archive per database, all in flight at once, then wait for each.
local archives = task.map(dbs, function(db)
  local a = backups.archives.create{services = {"databases"}, resourceId = db.id}
  return backups.archives.wait(a.id, {timeout = 120, interval = 0.5})
end)

-- 3. The report.
print(string.format("%-10s %-20s %-10s %-10s %8s", "database", "policy", "schedule", "archive", "size"))
local total = 0
for i, db in ipairs(dbs) do
  local p, a = policies[i], archives[i]
  local size = a and a.size or 0
  total = total + size
  print(string.format("%-10s %-20s %-10s %-10s %7.1fM", db.id, p and p.id or "FAILED", p and p.schedule or "-",
                      a and a.status or "FAILED", size / 1048576))
end
local failed = 0
for _ in pairs(failures) do failed = failed + 1 end
print(string.format("%d policies ensured, %d archives, %.1f MiB in all, %d failures", #dbs - failed, #archives, total / 1048576, failed))
