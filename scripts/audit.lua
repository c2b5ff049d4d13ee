#!/usr/bin/env bkup
-- audit.lua: what needs an operator's attention: resources without an enabled policy,
-- disabled policies, archives that failed recently, and runs of a schedule, within its
-- retention, that made no archive (the calendar's `!`, by the same rule). For cron jobs and CI:
-- exits 1 when it finds a problem.
--
--   bkup scripts/audit.lua                               # databases, failures of the last 7 days
--   bkup scripts/audit.lua --kind databases --kind buckets --since-days 1 --format jsonl
--   bkup scripts/audit.lua --calendar --days 90            # and a picture of every resource's days
--
-- Exit status: 0 when there is nothing to look at, 1 when there is.
local args = require("bkup.args")
local report = require("backups.report")
local spec = {
  name = "scripts/audit.lua",
  summary = "Find unprotected resources, disabled policies, failed archives and missed schedules.",
  flags = {
    { "kind", multiple = true, choices = { "databases", "buckets", "functions" }, help = "resources to check (default: databases)" },
    { "since-days", type = "number", min = 0, default = 7, help = "how far back failed archives count" },
    { "check", multiple = true, choices = { "unprotected", "disabled", "failed", "missed" }, help = "run only this check" },
    { "format", choices = { "table", "csv", "jsonl" }, default = "table", help = "how to print the findings" },
    { "calendar", type = "boolean", help = "also draw each resource's days: completed, failed, missed" },
    { "days", type = "integer", min = 1, max = 3660, default = 30, help = "days the calendar shows" },
  },
}
local opts = args.cli({ ... }, spec)
if not opts then return end

local audit = backups.audit{
  kinds = #opts.kind > 0 and opts.kind or nil, since = opts["since-days"] * 86400,
  checks = #opts.check > 0 and opts.check or nil,
}
if #audit.findings > 0 then
  report.print(audit.findings, { format = opts.format, columns = { "check", "subject", "detail" } })
end
if opts.format == "table" then print(audit) else io.stderr:write(tostring(audit), "\n") end
if opts.calendar then
  print(report.calendar(audit.archives, { days = opts.days, policies = audit.policies, now = audit.now }))
end
if not audit.ok then os.exit(1) end
