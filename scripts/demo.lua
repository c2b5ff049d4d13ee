-- demo.lua: the main job, end to end on the embedded emulator. It seeds example resources
-- (the first time), gives every database a nightly policy (backups.rotate), runs a backup round
-- of all of them at once and waits for the archives (backups.archives.waitAll), lets one night
-- pass on the emulator's clock so the schedules fire, and audits the result (backups.audit).
--
--   bkup scripts/demo.lua            # or with --dry-run to see the plan only
--
-- Exit status: 0 when the audit finds nothing, 1 otherwise.
local report = require("backups.report")
local cfg = backups.config
if not cfg.emulator then
  error("demo.lua seeds example data and moves the clock: run it on the embedded emulator (without --endpoint)", 0)
end
if backups.resources.databases.list().total == 0 then
  backups.emulator.seed{ databases = 5 }
end
print(string.format("== %s (project %s), clock %s", cfg.endpoint, cfg.project, backups.now()))

print("\n== 1. every database gets a nightly policy with 30-day retention")
local rotation = backups.rotate("databases", {
  schedule = "0 2 * * *", retention = 30, id = "nightly-{resourceId}", name = "Nightly {resourceName}",
})
for _, line in ipairs(rotation:lines()) do print(line) end
print(rotation)
print("schedule: " .. cron.describe("0 2 * * *") .. ", next run " .. cron.next("0 2 * * *", 1, backups.now())[1])

print("\n== 2. a backup round: every database at once")
local dbs = {}
for db in backups.resources.databases.each() do dbs[#dbs + 1] = db end
local started = task.map(dbs, function(db)
  return backups.archives.create{ services = { "databases" }, resourceId = db["$id"] }
end)
local archives = backups.archives.waitAll(started, { timeout = 120, interval = 0.5 })
report.print(archives)

print("\n== 3. one night passes on the emulator's clock; the nightly schedules fire")
if not cfg.dryRun then
  local before = backups.now()
  backups.emulator.advance(86400)
  print(string.format("clock %s → %s", before, backups.now()))
  local nightly = {}
  for a in backups.archives.each({ Query.isNotNull("policyId"), Query.greaterThan("$createdAt", before) }) do
    nightly[#nightly + 1] = a
  end
  print(report.summary(nightly))
end

print("\n== 4. audit")
local audit = backups.audit{ kinds = { "databases" } }
for _, line in ipairs(audit:lines()) do print(line) end
print(audit)
if not audit.ok then os.exit(1) end
