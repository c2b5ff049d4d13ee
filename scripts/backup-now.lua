#!/usr/bin/env bkup
-- backup-now.lua: archive many resources now, all requests in flight at once, then wait for
-- every archive to finish (one list call per 50 archives per round, with a progress bar).
--
--   bkup scripts/backup-now.lua                         # every database
--   bkup scripts/backup-now.lua --resource db-1 --resource db-2 --timeout 1800
--
-- Exit status: 0 when every archive completed, 1 when any failed, was skipped or timed out.
local args = require("bkup.args")
local report = require("backups.report")
local spec = {
  name = "scripts/backup-now.lua",
  summary = "Archive many resources concurrently and wait for them all.",
  flags = {
    { "kind", choices = { "databases", "buckets", "functions" }, default = "databases", help = "resources to archive" },
    { "resource", type = "id", multiple = true, help = "only this resource ID" },
    { "service", choices = backups.vocabulary.services, multiple = true, help = "services to archive (default: the kind's own)" },
    { "timeout", type = "number", min = 0, default = 3600, help = "seconds to wait for the archives" },
    { "interval", type = "number", min = 0.01, default = 5, help = "seconds between status checks" },
    { "concurrency", type = "integer", min = 1, help = "creates in flight" },
  },
}
local opts = args.cli({ ... }, spec)
if not opts then return end

local services = #opts.service > 0 and opts.service or { backups.resources[opts.kind].service }
local ids = opts.resource
if #ids == 0 then
  for r in backups.resources[opts.kind].each() do ids[#ids + 1] = r["$id"] end
end
if #ids == 0 then
  print("no " .. opts.kind .. " to archive")
  return
end

local created, createErrors = task.map(ids, function(id)
  return backups.archives.create{ services = services, resourceId = id }
end, { concurrency = opts.concurrency })
local started = {}
for i in ipairs(ids) do if created[i] then started[#started + 1] = created[i] end end
local finished, waitErrors = backups.archives.waitAll(started, { timeout = opts.timeout, interval = opts.interval })

local rows, ok = {}, 0
local byResource = {}
for i, a in ipairs(started) do byResource[a.resourceId] = finished[i] or { ["$id"] = a["$id"], status = tostring(waitErrors[i]) } end
for i, id in ipairs(ids) do
  local a = byResource[id]
  if not a then a = { status = "not started: " .. tostring(createErrors[i]) } end
  if a.status == "completed" then ok = ok + 1 end
  rows[#rows + 1] = { resourceId = id, ["$id"] = a["$id"], status = a.status, size = a.size, ["$createdAt"] = a["$createdAt"] }
end
report.print(rows, { columns = { "resourceId", "$id", "status", "size", "$createdAt" } })
print(string.format("%d of %d archives completed", ok, #ids))
if ok < #ids then os.exit(1) end
