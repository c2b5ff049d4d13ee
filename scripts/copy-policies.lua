#!/usr/bin/env bkup
-- copy-policies.lua: make one project's backup policies match another's, by policy ID: the
-- target gets every policy of the source (same resource, services, schedule, retention,
-- enabled, name); policies that differ are updated in place, or replaced when their services or
-- resource differ; with --prune, the target's policies the source does not have are deleted.
-- Both projects are on the configured endpoint and key (or give --to-endpoint/--to-key-file).
--
--   bkup scripts/copy-policies.lua --from staging --to production
--   bkup --dry-run scripts/copy-policies.lua --from eu-prod --to us-prod --prune
--
-- Exit status: 0 when the target matches, 1 when any change failed.
local args = require("bkup.args")
local spec = {
  name = "scripts/copy-policies.lua",
  summary = "Make one project's policies match another's, by policy ID.",
  flags = {
    { "from", type = "id", required = true, help = "the source project" },
    { "to", type = "id", required = true, help = "the target project" },
    { "to-endpoint", help = "the target's endpoint (default: the same)" },
    { "to-key-file", help = "the target's API key file (default: the same key)" },
    { "prune", type = "boolean", help = "delete the target's policies the source does not have" },
    { "concurrency", type = "integer", min = 1, default = 16, help = "requests in flight" },
  },
}
local opts = args.cli({ ... }, spec)
if not opts then return end
if opts.from == opts.to and not opts["to-endpoint"] then args.fail(spec, "--from and --to name the same project") end

local source = backups.connect{ project = opts.from }
local target = backups.connect{ project = opts.to, endpoint = opts["to-endpoint"], keyFile = opts["to-key-file"] }

local function all(conn)
  local list, byId = {}, {}
  for p in conn.policies.each() do
    list[#list + 1] = p
    byId[p["$id"]] = p
  end
  return list, byId
end
local wanted = all(source)
local _, have = all(target)

local function sameSet(a, b)
  if #a ~= #b then return false end
  local seen = {}
  for _, x in ipairs(a) do seen[x] = true end
  for _, x in ipairs(b) do if not seen[x] then return false end end
  return true
end

local steps = {}
for _, p in ipairs(wanted) do
  local old = have[p["$id"]]
  if not old then
    steps[#steps + 1] = { "create", p }
  elseif old.resourceId ~= p.resourceId or not sameSet(old.services, p.services) then
    steps[#steps + 1] = { "replace", p }
  elseif old.name ~= p.name or old.schedule ~= p.schedule or old.retention ~= p.retention or old.enabled ~= p.enabled then
    steps[#steps + 1] = { "update", p }
  end
  have[p["$id"]] = nil
end
if opts.prune then
  for id in pairs(have) do steps[#steps + 1] = { "delete", { ["$id"] = id } } end
end

local function create(p)
  return target.policies.create{ id = p["$id"], name = p.name, services = p.services, resourceId = p.resourceId,
    enabled = p.enabled, retention = p.retention, schedule = p.schedule }
end
local _, errors = task.map(steps, function(step)
  local action, p = step[1], step[2]
  if action == "create" then
    create(p)
  elseif action == "update" then
    target.policies.update(p["$id"], { name = p.name, schedule = p.schedule, retention = p.retention, enabled = p.enabled })
  elseif action == "replace" then
    -- A policy's services and resource cannot change in place.
    target.policies.delete(p["$id"])
    create(p)
  else
    target.policies.delete(p["$id"])
  end
  print(string.format("%s %s %s", ({ create = "+", update = "~", replace = "±", delete = "-" })[action], action, p["$id"]))
end, { concurrency = opts.concurrency })

local counts, failed = {}, 0
for _, step in ipairs(steps) do counts[step[1]] = (counts[step[1]] or 0) + 1 end
for i, e in pairs(errors) do
  failed = failed + 1
  io.stderr:write(string.format("%s %s: %s\n", steps[i][1], steps[i][2]["$id"], tostring(e)))
end
print(string.format("copy-policies %s -> %s: %d created, %d updated, %d replaced, %d deleted, %d unchanged, %d failed",
  opts.from, opts.to, counts.create or 0, counts.update or 0, counts.replace or 0, counts.delete or 0,
  #wanted - (counts.create or 0) - (counts.update or 0) - (counts.replace or 0), failed))
if failed > 0 then os.exit(1) end
