#!/usr/bin/env bkup
-- ensure-policies.lua: every database (or bucket, or function) gets a backup policy to one
-- spec. Missing policies are created, drifted ones updated in place, and a change of services
-- is done as create-new, verify, delete-old so that no resource is ever without a policy.
-- With --prune, the resources' other policies are deleted. A second run changes nothing. The
-- spec is never assumed: give --schedule and --retention, or --defaults for 0 2 * * * and 30 days.
--
--   bkup scripts/ensure-policies.lua --schedule "0 2 * * *" --retention 30
--   bkup --dry-run scripts/ensure-policies.lua --kind buckets --defaults --id "nightly-{resourceId}"
--
-- Exit status: 0 when every resource converged, 1 when any failed (each failure is listed).
local args = require("bkup.args")
local spec = {
  name = "scripts/ensure-policies.lua",
  summary = "Give every resource of a kind a backup policy to one spec (create, update, replace).",
  flags = {
    { "kind", choices = { "databases", "buckets", "functions" }, default = "databases", help = "resources to cover" },
    { "resource", type = "id", multiple = true, help = "only this resource ID" },
    { "service", choices = backups.vocabulary.services, multiple = true, help = "services to back up (default: the kind's own)" },
    { "schedule", type = "cron", required = true, help = "cron expression, UTC" },
    { "retention", type = "integer", min = 1, max = 2147483647, required = true, help = "days to keep archives" },
    { "id", default = "bkup-{resourceId}", help = "policy ID template ({resourceId} {resourceName} {kind} {service})" },
    { "name", default = "{resourceName} backup", help = "policy name template" },
    { "disabled", type = "boolean", help = "make the policies disabled" },
    { "prune", type = "boolean", help = "delete the resources' other policies" },
    { "concurrency", type = "integer", min = 1, help = "requests in flight (default: --concurrency of bkup)" },
    { "quiet", type = "boolean", help = "print the summary line only" },
  },
  defaults = { schedule = "0 2 * * *", retention = 30 },
}
local opts = args.cli({ ... }, spec)
if not opts then return end

local selector = #opts.resource > 0 and { kind = opts.kind, ids = opts.resource } or opts.kind
local report = backups.rotate(selector, {
  services = #opts.service > 0 and opts.service or nil,
  schedule = opts.schedule, retention = opts.retention, enabled = not opts.disabled,
  id = opts.id, name = opts.name,
}, { prune = opts.prune, concurrency = opts.concurrency })

if not opts.quiet then
  for _, line in ipairs(report:lines()) do print(line) end
end
print(report)
if not report.ok then os.exit(1) end
