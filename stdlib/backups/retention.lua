-- backups.retention: grandfather-father-son pruning of archives, per resource.
--
--   local plan = backups.retention.plan{daily = 7, weekly = 4, monthly = 12, yearly = 1}
--   print(plan)                                   -- "retention plan: keep 24, delete 376 ..."
--   backups.report.print(plan:rows())             -- every archive, kept or deleted, and why
--   local result = backups.retention.apply(plan)  -- deletes (planned only under --dry-run)
--   backups.retention{daily = 7, ...}             -- plan and apply in one call
--
-- Rules count calendar buckets in UTC, newest first, as restic and borg do: `daily = 7` keeps
-- the newest completed archive of each of the 7 newest days that have one; weeks are ISO
-- weeks. An archive kept by any rule is kept. The newest completed archive is always kept,
-- and an archive still in progress is never touched. Failed and skipped archives are deleted
-- unless `keepFailed = true`. Options: `resources = {ids...}` limits the plan to those
-- resources; `concurrency` (apply) defaults to task.map's.
local backups, task, Query = backups, task, Query
local dates = require("bkup.dates")
local check = require("bkup.check")

local M = {}
local ruleOrder = { "daily", "weekly", "monthly", "yearly" }
local bucketOf = { daily = dates.day, weekly = dates.week, monthly = dates.month, yearly = dates.year }
local final = backups.vocabulary.archive.final

local Plan = {}
Plan.__index = Plan

function Plan:__tostring()
  local rules = {}
  for _, r in ipairs(ruleOrder) do rules[#rules + 1] = string.format("%s %d", r, self.rules[r]) end
  return string.format("retention plan (%s): %d resources, keep %d, delete %d", table.concat(rules, ", "),
    #self.resources, #self.keep, #self.delete)
end

--- Every archive of the plan as a row for backups.report: action, reasons and the archive.
function Plan:rows()
  local rows = {}
  for _, r in ipairs(self.resources) do
    for _, e in ipairs(r.entries) do
      local a = e.archive
      rows[#rows + 1] = { action = e.action, why = table.concat(e.reasons, ", "), ["$id"] = a["$id"],
        resourceId = a.resourceId, status = a.status, size = a.size, ["$createdAt"] = a["$createdAt"] }
    end
  end
  return rows
end
Plan.columns = { "resourceId", "$id", "$createdAt", "status", "action", "why" }

local ruleFields = { daily = "integer", weekly = "integer", monthly = "integer", yearly = "integer", keepFailed = "boolean",
  resources = "list" }

local function checkRules(rules)
  if type(rules) ~= "table" then check.expected(rules, "rules table", 1, "retention.plan", 2) end
  check.fields(rules, ruleFields, 1, "retention.plan", 2)
  local out = { keepFailed = rules.keepFailed == true, resources = rules.resources }
  local any = false
  for _, r in ipairs(ruleOrder) do
    local n = rules[r] or 0
    if n < 0 then error(string.format("retention: %s must be a non-negative integer, got %s", r, tostring(rules[r])), 3) end
    out[r] = n
    any = any or n > 0
  end
  if not any then error("retention: no rule keeps anything (set daily, weekly, monthly or yearly)", 3) end
  return out
end

-- Which archives of one resource to keep, and why.
local function decide(archives, rules)
  local entries = {}
  for _, a in ipairs(archives) do
    entries[#entries + 1] = { archive = a, reasons = {}, time = dates.parse(a["$createdAt"]) }
  end
  -- Newest first; the ID breaks ties so that a plan is the same every time.
  table.sort(entries, function(x, y)
    if x.time ~= y.time then return x.time > y.time end
    return x.archive["$id"] > y.archive["$id"]
  end)
  local completed = {}
  for _, e in ipairs(entries) do
    if e.archive.status == "completed" then completed[#completed + 1] = e
    elseif not final[e.archive.status] then e.reasons[#e.reasons + 1] = "in progress"
    elseif rules.keepFailed then e.reasons[#e.reasons + 1] = "keepFailed" end
  end
  if completed[1] then table.insert(completed[1].reasons, "newest") end
  for _, rule in ipairs(ruleOrder) do
    local n, bucket, last, count = rules[rule], bucketOf[rule], nil, 0
    for _, e in ipairs(completed) do
      if count >= n then break end
      local b = bucket(e.time)
      if b ~= last then
        e.reasons[#e.reasons + 1] = rule .. " " .. b
        last, count = b, count + 1
      end
    end
  end
  for _, e in ipairs(entries) do
    e.action = #e.reasons > 0 and "keep" or "delete"
    if e.action == "delete" then
      e.reasons[1] = e.archive.status == "completed" and "beyond every rule" or e.archive.status
    end
    e.time = nil
  end
  return entries
end

--- The plan: which archives each resource keeps and which it loses. Reads only.
function M.plan(rules)
  rules = checkRules(rules)
  local groups, order = {}, {}
  local function add(a)
    local key = a.resourceId or "(project)"
    if not groups[key] then
      groups[key] = {}
      order[#order + 1] = key
    end
    table.insert(groups[key], a)
  end
  if rules.resources then
    for _, q in ipairs(Query.equalAny("resourceId", rules.resources)) do
      for a in backups.archives.each({ q }) do add(a) end
    end
  else
    for a in backups.archives.each() do add(a) end
  end
  table.sort(order)
  local plan = setmetatable({ rules = rules, resources = {}, keep = {}, delete = {} }, Plan)
  for _, key in ipairs(order) do
    local entries = decide(groups[key], rules)
    local r = { resourceId = key, entries = entries, keep = {}, delete = {} }
    for _, e in ipairs(entries) do
      table.insert(r[e.action], e.archive)
      table.insert(plan[e.action], e.archive)
    end
    plan.resources[#plan.resources + 1] = r
  end
  return plan
end

local Result = {}
Result.__index = Result
function Result:__tostring()
  return string.format("retention%s: %d deleted, %d kept, %d already gone, %d failed", self.dryRun and " (dry run)" or "",
    #self.deleted, self.kept, #self.gone, #self.failed)
end

--- Deletes what the plan deletes, concurrently. An archive already gone counts as done.
function M.apply(plan, opts)
  if getmetatable(plan) ~= Plan then check.expected(plan, "a plan from retention.plan", 1, "retention.apply") end
  opts = check.options(opts, { concurrency = "integer", progress = "boolean" }, 2, "retention.apply")
  local result = setmetatable({ deleted = {}, gone = {}, failed = {}, kept = #plan.keep, dryRun = backups.config.dryRun }, Result)
  local _, errors = task.map(plan.delete, function(a) return backups.archives.delete(a["$id"]) end,
    { concurrency = opts.concurrency, progress = opts.progress })
  for i, a in ipairs(plan.delete) do
    local err = errors[i]
    if not err then
      table.insert(result.deleted, a)
    elseif type(err) == "userdata" and err.code == 404 then
      table.insert(result.gone, a)
    else
      table.insert(result.failed, { archive = a, reason = tostring(err), error = err })
    end
  end
  result.ok = #result.failed == 0
  return result
end

return setmetatable(M, {
  __call = function(_, rules, opts) return M.apply(M.plan(rules), opts) end,
})
