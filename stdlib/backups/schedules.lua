-- backups.schedules: what an enabled policy's schedule expected, run by run, and what came of
-- it. The one rule by which the audit, the calendar and anything else that judges schedules
-- call a run missed, so that they agree by construction.
--
--   local schedules = require("backups.schedules")
--   for _, run in ipairs(schedules.runs(policy, archives, now)) do print(run.at, run.state) end
--   schedules.missed(policies, archives, now)   --> {{policy=, at=, runs=}, ...} one per policy
--
-- A run is a time the policy's schedule names, after the policy took its present form (its
-- `$updatedAt`: before that its schedule or state may have been another) and not after `now`.
-- Its state, in this order:
--   covered  an archive of the policy (its policyId) was created from the run until the next
--   expired  older than the policy's retention: an archive of it has been deleted by now, so
--            whether one came cannot be told
--   missed   neither, and the next run is due or an hour has passed (an archive starts within
--            minutes of its run)
--   pending  neither yet, within that hour
-- At most the newest 1,000 runs of a policy are judged (a per-minute schedule has 43,200 in 30
-- days). Times are Unix seconds or ISO dates; `now` is required (callers pass the service's clock).
local dates = require("bkup.dates")
local check = require("bkup.check")
local cron = cron

local M = {}
local DAY = 86400
local MAX_RUNS = 1000
local GRACE = 3600 -- seconds after a run in which its archive may still be on its way

local function checkPolicy(policy, fname)
  check.type(policy, "table", 1, fname, false, 2)
  check.arg(type(policy.schedule) == "string" and math.type(policy.retention) == "integer", 1, fname,
    "policy expected (a record with schedule and retention), got a table without them", 2)
end

local function seconds(t, what, fname)
  if type(t) == "number" then return t end
  local s = type(t) == "string" and dates.parse(t)
  if not s then error(string.format("bad argument to '%s' (%s: ISO date or seconds expected, got %s)", fname, what, tostring(t)), 3) end
  return s
end

--- The time at or before which the policy's archives have been deleted at `now` (the service
--- deletes an archive once it is `retention` days old).
function M.keptAfter(policy, now)
  checkPolicy(policy, "keptAfter")
  return seconds(now, "now", "keptAfter") - policy.retention * DAY
end

--- When the policy's schedule began to be judged: its last change, else its creation.
function M.since(policy)
  check.type(policy, "table", 1, "since")
  return seconds(policy["$updatedAt"] or policy["$createdAt"], "policy " .. tostring(policy["$id"]), "since")
end

-- The policy's archives' creation times, sorted.
local function archiveTimes(policy, archives)
  local times = {}
  for i, a in ipairs(archives) do
    if type(a) ~= "table" then check.expected(a, "archive at " .. i, 2, "runs", 2) end
    if a.policyId == policy["$id"] then times[#times + 1] = seconds(a["$createdAt"], "archive " .. tostring(a["$id"]), "runs") end
  end
  table.sort(times)
  return times
end

--- The runs of an enabled policy from `from` (default and at the earliest: M.since(policy)) to
--- `now`, oldest first: {at = seconds, nextAt = the next run (seconds), state = "covered"|
--- "expired"|"missed"|"pending"} (see the states above). A disabled policy expects nothing: {}.
function M.runs(policy, archives, now, from)
  checkPolicy(policy, "runs")
  check.type(archives, "table", 2, "runs")
  now = seconds(now, "now", "runs")
  if not policy.enabled then return {} end
  local start = math.max(M.since(policy), from and seconds(from, "from", "runs") or -math.huge)
  if now - start > MAX_RUNS * 60 then
    local back = cron.previous(policy.schedule, MAX_RUNS, now)
    if #back == MAX_RUNS then start = math.max(start, dates.parse(back[MAX_RUNS])) end
  end
  local keptAfter = M.keptAfter(policy, now)
  local times, t = archiveTimes(policy, archives), 1
  local runs = {}
  local after = start - 0.001
  while true do
    local batch = cron.next(policy.schedule, MAX_RUNS, after)
    for _, iso in ipairs(batch) do
      local at = dates.parse(iso)
      local previous = runs[#runs]
      if previous then previous.nextAt = at end
      if at > now then break end
      runs[#runs + 1] = { at = at }
      after = at
    end
    if #batch < MAX_RUNS or (runs[#runs] and runs[#runs].nextAt) or #runs == 0 then break end
  end
  for _, run in ipairs(runs) do
    while times[t] and times[t] < run.at do t = t + 1 end
    local nextRun = run.nextAt
    if times[t] and (not nextRun or times[t] < nextRun) then
      run.state = "covered"
    elseif run.at <= keptAfter then
      run.state = "expired"
    elseif (nextRun and nextRun <= now) or now - run.at > GRACE then
      run.state = "missed"
    else
      run.state = "pending"
    end
  end
  return runs
end

--- Every enabled policy with missed runs: {policy =, runs = {the missed runs' ISO dates, oldest
--- first}, at = the newest of them}, in the order of `policies`.
function M.missed(policies, archives, now)
  check.type(policies, "table", 1, "missed")
  check.type(archives, "table", 2, "missed")
  local out = {}
  for _, p in ipairs(policies) do
    local missed = {}
    -- Runs at or before keptAfter are expired (or covered): never missed.
    for _, run in ipairs(p.enabled and M.runs(p, archives, now, M.keptAfter(p, now)) or {}) do
      if run.state == "missed" then missed[#missed + 1] = dates.format(run.at) end
    end
    if #missed > 0 then out[#out + 1] = { policy = p, runs = missed, at = missed[#missed] } end
  end
  return out
end

return M
