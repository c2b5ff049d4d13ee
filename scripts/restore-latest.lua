#!/usr/bin/env bkup
-- restore-latest.lua: restore the newest completed archive of a resource into a new database
-- beside it (never over the original), and wait until the restoration is done.
--
--   bkup scripts/restore-latest.lua --resource orders                  # into orders-restored
--   bkup scripts/restore-latest.lua --resource orders --into orders-dr --name "Orders (DR)"
--   bkup scripts/restore-latest.lua --all --suffix -drill              # every database
--
-- Exit status: 0 when every restoration completed, 1 otherwise.
local args = require("bkup.args")
local report = require("backups.report")
local spec = {
  name = "scripts/restore-latest.lua",
  summary = "Restore the newest completed archive of a resource into a new database and wait.",
  flags = {
    { "resource", type = "id", multiple = true, help = "the database to restore" },
    { "all", type = "boolean", help = "every database" },
    { "into", type = "id", help = "new database ID (one --resource only; default: ID + --suffix)" },
    { "suffix", default = "-restored", help = "appended to the resource ID for the new database" },
    { "name", help = "new database name (default: the original's name + suffix)" },
    { "timeout", type = "number", min = 0, default = 3600, help = "seconds to wait" },
    { "interval", type = "number", min = 0.01, default = 5, help = "seconds between status checks" },
  },
}
local opts = args.cli({ ... }, spec)
if not opts then return end

local ids = opts.resource
if opts.all then
  for r in backups.resources.databases.each() do ids[#ids + 1] = r["$id"] end
end
if #ids == 0 then args.fail(spec, "which resource? give --resource ID or --all (try --help)") end
if opts.into and #ids > 1 then args.fail(spec, "--into names one new database: give exactly one --resource") end

local names = {}
for _, q in ipairs(Query.equalAny("$id", ids)) do
  for r in backups.resources.databases.each({ q }) do names[r["$id"]] = r.name end
end

local restorations, startErrors = task.map(ids, function(id)
  local newest = backups.archives.list({ Query.equal("resourceId", id), Query.equal("status", "completed"),
                                         Query.orderDesc("$createdAt"), Query.limit(1) }).archives[1]
  if not newest then error(backups.error("no_archive", "no completed archive of " .. id), 0) end
  local newId = opts.into or (id .. opts.suffix)
  return backups.restorations.create{
    archiveId = newest["$id"], services = newest.services, newResourceId = newId,
    newResourceName = opts.name or ((names[id] or id) .. opts.suffix),
  }
end)
local started, index = {}, {}
for i in ipairs(ids) do
  if restorations[i] then
    started[#started + 1] = restorations[i]
    index[#started] = i
  end
end
local finished, waitErrors = backups.restorations.waitAll(started, { timeout = opts.timeout, interval = opts.interval })

local rows, ok = {}, 0
local outcome = {}
for j, r in ipairs(started) do outcome[index[j]] = finished[j] or { ["$id"] = r["$id"], archiveId = r.archiveId, status = tostring(waitErrors[j]) } end
for i, id in ipairs(ids) do
  local r = outcome[i] or { status = "not started: " .. tostring(startErrors[i]) }
  if r.status == "completed" then ok = ok + 1 end
  rows[#rows + 1] = { resourceId = id, into = opts.into or (id .. opts.suffix), archiveId = r.archiveId, ["$id"] = r["$id"], status = r.status }
end
report.print(rows, { columns = { "resourceId", "into", "archiveId", "$id", "status" } })
print(string.format("%d of %d restorations completed", ok, #ids))
if ok < #ids then os.exit(1) end
