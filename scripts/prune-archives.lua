#!/usr/bin/env bkup
-- prune-archives.lua: grandfather-father-son pruning of archives, per resource. Keeps the
-- newest completed archive of each of the newest N days, ISO weeks, months and years; never
-- the newest completed archive, never one still in progress. Prints the plan; deletes only
-- with --apply.
--
--   bkup scripts/prune-archives.lua                       # the plan for 7/4/12/1
--   bkup scripts/prune-archives.lua --daily 14 --apply    # prune for real
--
-- Exit status: 0, or 1 when a delete failed.
local args = require("bkup.args")
local report = require("backups.report")
local spec = {
  name = "scripts/prune-archives.lua",
  summary = "Prune archives grandfather-father-son (a dry run unless --apply).",
  flags = {
    { "daily", type = "integer", min = 0, default = 7, help = "days to keep one archive of" },
    { "weekly", type = "integer", min = 0, default = 4, help = "ISO weeks to keep one archive of" },
    { "monthly", type = "integer", min = 0, default = 12, help = "months to keep one archive of" },
    { "yearly", type = "integer", min = 0, default = 1, help = "years to keep one archive of" },
    { "resource", type = "id", multiple = true, help = "only this resource ID" },
    { "keep-failed", type = "boolean", help = "keep failed and skipped archives" },
    { "apply", type = "boolean", help = "delete for real (default: print the plan only)" },
    { "show-kept", type = "boolean", help = "list kept archives too, with the rule that keeps each" },
    { "concurrency", type = "integer", min = 1, help = "deletes in flight" },
  },
}
local opts = args.cli({ ... }, spec)
if not opts then return end

local plan = backups.retention.plan{
  daily = opts.daily, weekly = opts.weekly, monthly = opts.monthly, yearly = opts.yearly,
  keepFailed = opts["keep-failed"], resources = #opts.resource > 0 and opts.resource or nil,
}
local rows = {}
for _, row in ipairs(plan:rows()) do
  if opts["show-kept"] or row.action == "delete" then rows[#rows + 1] = row end
end
if #rows > 0 then report.print(rows, { columns = { "resourceId", "$id", "$createdAt", "status", "action", "why" } }) end
print(plan)
if not opts.apply then
  if #plan.delete > 0 then print("nothing deleted: run again with --apply to delete") end
  return
end
local result = backups.retention.apply(plan, { concurrency = opts.concurrency })
for _, f in ipairs(result.failed) do io.stderr:write(string.format("! %s: %s\n", f.archive["$id"], f.reason)) end
print(result)
if not result.ok then os.exit(1) end
