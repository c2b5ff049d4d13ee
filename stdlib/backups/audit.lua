-- backups.audit: what an operator should look at, found in one pass over policies, archives
-- and resources.
--
--   local audit = backups.audit{kinds = {"databases", "buckets"}, since = 7 * 86400}
--   print(audit)                          -- "audit: 2 problems (1 unprotected, 1 missed)"
--   for _, line in ipairs(audit:lines()) do print(line) end
--   if not audit.ok then os.exit(1) end
--
-- Checks:
--   unprotected  a resource that no enabled policy covers (its own, or a project-wide policy
--                of its service)
--   disabled     a disabled policy
--   failed       an archive that failed within `since` seconds (default 7 days)
--   missed       an enabled policy whose schedule expected an archive, within its retention, and
--                none came (backups.schedules: the rule the calendar draws `!` by)
-- `now` (an ISO date) defaults to the service's clock. `checks = {"failed", ...}` runs a subset.
local backups = backups
local dates = require("bkup.dates")
local check = require("bkup.check")
local schedules = require("backups.schedules")

local allChecks = { "unprotected", "disabled", "failed", "missed" }
local known = {}
for _, c in ipairs(allChecks) do known[c] = true end
local kindNames = { databases = true, buckets = true, functions = true }

local Audit = {}
Audit.__index = Audit

function Audit:__tostring()
  if self.ok then
    return string.format("audit: no problems (%d resources, %d policies, %d archives checked)", self.counts.resources,
      self.counts.policies, self.counts.archives)
  end
  local byCheck, parts = {}, {}
  for _, f in ipairs(self.findings) do byCheck[f.check] = (byCheck[f.check] or 0) + 1 end
  for _, c in ipairs(allChecks) do
    if byCheck[c] then parts[#parts + 1] = string.format("%d %s", byCheck[c], c) end
  end
  return string.format("audit: %d problem%s (%s)", #self.findings, #self.findings == 1 and "" or "s", table.concat(parts, ", "))
end

function Audit:lines()
  local out = {}
  for _, f in ipairs(self.findings) do out[#out + 1] = string.format("%-12s %-36s %s", f.check, f.subject, f.detail) end
  return out
end

return function(opts)
  opts = check.options(opts, { kinds = "list", since = "number", checks = "list", now = "string" }, 1, "audit")
  local kinds = opts.kinds or { "databases" }
  for _, k in ipairs(kinds) do
    if not kindNames[k] then
      error(string.format("audit: unknown resource kind '%s' (databases, buckets or functions)", tostring(k)), 2)
    end
  end
  local checks = {}
  for _, c in ipairs(opts.checks or allChecks) do
    check.arg(known[c], 1, "audit", string.format("unknown check '%s' (%s)", c, table.concat(allChecks, ", ")))
    checks[c] = true
  end
  local since = opts.since or 7 * 86400
  local now = opts.now or backups.now()
  local nowSeconds = dates.parse(now)

  local policies, archives, findings = {}, {}, {}
  for p in backups.policies.each() do policies[#policies + 1] = p end
  for a in backups.archives.each() do archives[#archives + 1] = a end
  local counts = { policies = #policies, archives = #archives, resources = 0 }
  local function find(kind, subject, detail)
    findings[#findings + 1] = { check = kind, subject = subject, detail = detail }
  end

  if checks.unprotected then
    for _, kind in ipairs(kinds) do
      local service = backups.resources[kind].service
      local projectWide, own, disabledOnly = false, {}, {}
      for _, p in ipairs(policies) do
        local covers = false
        for _, s in ipairs(p.services) do if s == service then covers = true end end
        if covers then
          if p.resourceId == nil and p.enabled then projectWide = true end
          if p.resourceId then
            if p.enabled then own[p.resourceId] = true else disabledOnly[p.resourceId] = true end
          end
        end
      end
      for r in backups.resources[kind].each() do
        counts.resources = counts.resources + 1
        local id = r["$id"]
        if not projectWide and not own[id] then
          find("unprotected", id, string.format("%s '%s' has %s", kind:sub(1, -2), r.name or id,
            disabledOnly[id] and "only disabled policies" or "no backup policy"))
        end
      end
    end
  end
  if checks.disabled then
    for _, p in ipairs(policies) do
      if not p.enabled then
        find("disabled", p["$id"], string.format("policy '%s' (%s) is disabled", p.name, p.resourceId or "project-wide"))
      end
    end
  end
  if checks.failed then
    for _, a in ipairs(archives) do
      if a.status == "failed" and nowSeconds - dates.parse(a["$createdAt"]) <= since then
        find("failed", a["$id"], string.format("archive of %s failed at %s", a.resourceId or "the project", a["$createdAt"]))
      end
    end
  end
  if checks.missed then
    for _, m in ipairs(schedules.missed(policies, archives, now)) do
      local n = #m.runs
      find("missed", m.policy["$id"], string.format("'%s' (%s) expected an archive at %s and none came%s", m.policy.schedule,
        m.policy.resourceId or "project-wide", m.at, n > 1 and string.format(" (%d runs missed since %s)", n, m.runs[1]) or ""))
    end
  end
  local rank = {}
  for i, c in ipairs(allChecks) do rank[c] = i end
  table.sort(findings, function(x, y)
    if x.check ~= y.check then return rank[x.check] < rank[y.check] end
    return x.subject < y.subject
  end)
  return setmetatable({ findings = findings, ok = #findings == 0, counts = counts, now = now,
    archives = archives, policies = policies }, Audit)
end
