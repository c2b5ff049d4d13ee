#!/usr/bin/env bkup
-- rotate-policies.lua: move every matching policy to a new schedule, retention or enabled
-- state, updating in place and concurrently. Policies are matched by ID prefix, resource,
-- resource type or current schedule; without a filter, --all is required.
--
--   bkup scripts/rotate-policies.lua --match-schedule "0 2 * * *" --schedule "30 3 * * *"
--   bkup --dry-run scripts/rotate-policies.lua --all --retention 14
--
-- Exit status: 0 when every matching policy was moved, 1 when any update failed.
local args = require("bkup.args")
local report = require("backups.report")
local spec = {
  name = "scripts/rotate-policies.lua",
  summary = "Move every matching policy to a new schedule or retention.",
  flags = {
    { "match-prefix", help = "policies whose ID starts with this" },
    { "match-resource", type = "id", multiple = true, help = "policies of this resource ID" },
    { "match-type", choices = { "database", "bucket", "function" }, help = "policies of this resource type" },
    { "match-schedule", type = "cron", help = "policies with exactly this schedule" },
    { "all", type = "boolean", help = "every policy (when no --match-* is given)" },
    { "schedule", type = "cron", help = "the new cron expression, UTC" },
    { "retention", type = "integer", min = 1, max = 2147483647, help = "the new retention in days" },
    { "enable", type = "boolean", help = "enable the policies" },
    { "disable", type = "boolean", help = "disable the policies" },
    { "concurrency", type = "integer", min = 1, help = "requests in flight" },
  },
}
local opts = args.cli({ ... }, spec)
if not opts then return end

local queries = {}
if opts["match-prefix"] then queries[#queries + 1] = Query.startsWith("$id", opts["match-prefix"]) end
if #opts["match-resource"] > 0 then queries[#queries + 1] = Query.equal("resourceId", opts["match-resource"]) end
if opts["match-type"] then queries[#queries + 1] = Query.equal("resourceType", opts["match-type"]) end
if opts["match-schedule"] then queries[#queries + 1] = Query.equal("schedule", opts["match-schedule"]) end
if #queries == 0 and not opts.all then
  args.fail(spec, "no policy filter: give a --match-* flag, or --all to move every policy (try --help)")
end
if opts.enable and opts.disable then args.fail(spec, "--enable and --disable contradict each other") end
local changes = { schedule = opts.schedule, retention = opts.retention }
if opts.enable then changes.enabled = true elseif opts.disable then changes.enabled = false end
if next(changes) == nil then args.fail(spec, "nothing to change: give --schedule, --retention, --enable or --disable") end

local policies = {}
for p in backups.policies.each(queries) do policies[#policies + 1] = p end
local moved, unchanged, rows = 0, 0, {}
local results, errors = task.map(policies, function(p)
  local delta = {}
  for k, v in pairs(changes) do if p[k] ~= v then delta[k] = v end end
  if next(delta) == nil then return "unchanged" end
  backups.policies.update(p["$id"], delta)
  return "updated"
end, { concurrency = opts.concurrency })
for i, p in ipairs(policies) do
  local outcome = results[i] or ("failed: " .. tostring(errors[i]))
  if outcome == "updated" then moved = moved + 1 elseif outcome == "unchanged" then unchanged = unchanged + 1 end
  rows[#rows + 1] = { ["$id"] = p["$id"], resourceId = p.resourceId, schedule = changes.schedule or p.schedule,
                      retention = changes.retention or p.retention, outcome = outcome }
end
if #rows > 0 then report.print(rows, { columns = { "$id", "resourceId", "schedule", "retention", "outcome" } }) end
local failed = #policies - moved - unchanged
print(string.format("%d policies matched: %d updated, %d unchanged, %d failed%s", #policies, moved, unchanged, failed,
  backups.config.dryRun and " (dry run)" or ""))
if failed > 0 then os.exit(1) end
