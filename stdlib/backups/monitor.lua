-- backups.monitor: a project's backup health, read a little at a time. What `bkup monitor` polls
-- with: each poll reads the resources and policies (a page each, usually) and only the archives
-- changed since the last poll (by `$updatedAt`, with cursors), and judges every resource by the
-- rules the audit and the calendar use (backups.schedules, backups.report.calendar).
--
--   local monitor = require("backups.monitor")
--   local m = monitor.new()          -- the default connection; monitor.new(conn) for another
--   local snap = m:poll()            -- {now=, resources={...}, policies={...}, findings={...}, ...}
--   snap = m:poll()                  -- reads what changed since
--
-- A resource's `state`, worst first: "missed" (its schedule expected an archive, within the
-- retention, and none came), "failed" (its newest archive failed), "unprotected" (no enabled
-- policy covers it: its own, or a project-wide one of its service), "ok".
-- Archives are forgotten when the service has deleted them: past their policy's retention (the
-- service's rule), or when the service counts fewer archives than the monitor holds (then the
-- next read is a full one).
local json = json
local dates = require("bkup.dates")
local check = require("bkup.check")
local schedules = require("backups.schedules")
local pictures = require("backups.pictures")

local M = {}
local KINDS = { "databases", "buckets", "functions" }
local KIND_LABEL = { databases = "database", buckets = "bucket", functions = "function" }
local PAGE = 100
M.days = 30 -- the calendar's days
local RECENT = 7 * 86400 -- failures counted within
local CHARS = { completed = "#", running = "~", failed = "x", missed = "!", expired = "-", none = "." }
local RANK = { missed = 1, failed = 2, unprotected = 3, ok = 4 }
M.rank = RANK

local Monitor = {}
Monitor.__index = Monitor

--- A monitor of a connection (default: `backups`), with nothing read yet.
function M.new(conn)
  if conn ~= nil then check.type(conn, "table", 1, "new") end
  return setmetatable({ backups = conn or backups, archives = {}, count = 0, since = nil, requests = 0, fullReads = 0 }, Monitor)
end

-- Every page of a list, by cursor; each page counts as a request.
function Monitor:readAll(list, field, queries)
  local out, after = {}, nil
  repeat
    local q = { Query.limit(PAGE) }
    for _, x in ipairs(queries or {}) do q[#q + 1] = x end
    if after then q[#q + 1] = Query.cursorAfter(after) end
    self.requests = self.requests + 1
    local items = list(q)[field] or {}
    for _, r in ipairs(items) do out[#out + 1] = r end
    after = #items > 0 and items[#items]["$id"]
  until #items < PAGE
  return out
end

-- The service's clock in seconds: an emulator's (one request), else this machine's.
function Monitor:clock()
  if self.emulatorClock == nil then
    self.emulatorClock = self.backups.config.emulator or (pcall(self.backups.emulator.now))
  end
  if self.emulatorClock then
    self.requests = self.requests + 1
    return dates.parse(self.backups.emulator.now())
  end
  return os.time()
end

-- The archives changed since the last poll, merged into what is held; then what the service
-- has deleted is dropped. Returns how many were read.
function Monitor:readArchives(policies, now)
  local b = self.backups
  local full = self.since == nil
  if full then self.fullReads = self.fullReads + 1 end
  local q = { Query.orderAsc("$updatedAt") }
  if self.since then q[#q + 1] = Query.greaterThanEqual("$updatedAt", self.since) end
  local changed = self:readAll(b.archives.list, "archives", q)
  for _, a in ipairs(changed) do
    if not self.archives[a["$id"]] then self.count = self.count + 1 end
    self.archives[a["$id"]] = a
    if not self.since or dates.parse(a["$updatedAt"]) > dates.parse(self.since) then self.since = a["$updatedAt"] end
  end
  -- Past retention: the service deletes them, so they are gone whether or not it has yet.
  local keptAfter = {}
  for _, p in ipairs(policies) do keptAfter[p["$id"]] = now - p.retention * 86400 end
  for id, a in pairs(self.archives) do
    local limit = keptAfter[a.policyId]
    if limit and dates.parse(a["$createdAt"]) <= limit then
      self.archives[id] = nil
      self.count = self.count - 1
    end
  end
  if not full then
    self.requests = self.requests + 1
    local total = b.archives.list({ Query.limit(1) }).total
    if total < self.count and self.count <= 5000 then
      -- Some were deleted another way: read them all again.
      self.archives, self.count, self.since = {}, 0, nil
      return #changed + self:readArchives(policies, now)
    end
  end
  return #changed
end

local function covers(p, kind, id)
  local service = backups.resources[kind] and backups.resources[kind].service or kind
  for _, s in ipairs(p.services or {}) do
    if s == service then return p.resourceId == nil or p.resourceId == id end
  end
  return id ~= nil and p.resourceId == id
end

local function newer(a, b) return b == nil or dates.parse(a["$createdAt"]) > dates.parse(b["$createdAt"]) end

-- One resource, judged.
local function judge(r, policies, own, missedBy, now, calendar)
  local covering, named, next, interval, missed = {}, json.array {}, nil, nil, 0
  for _, p in ipairs(policies) do
    if covers(p, r.listKind, r.id) then
      named[#named + 1] = p["$id"]
      if p.enabled then
        covering[#covering + 1] = p
        missed = missed + (missedBy[p["$id"]] or 0)
        local at = cron.next(p.schedule, 2, now)
        local first, second = dates.parse(at[1]), at[2] and dates.parse(at[2])
        if not next or first < next then next = first end
        if second and (not interval or second - first < interval) then interval = second - first end
      end
    end
  end
  local counts, newestCompleted, newest, failures = {}, nil, nil, 0
  for _, a in ipairs(own) do
    counts[a.status] = (counts[a.status] or 0) + 1
    if a.status == "completed" and newer(a, newestCompleted) then newestCompleted = a end
    if newer(a, newest) then newest = a end
    if a.status == "failed" and now - dates.parse(a["$createdAt"]) <= RECENT then failures = failures + 1 end
  end
  local state = "ok"
  if #covering == 0 then state = "unprotected" end
  if newest and newest.status == "failed" then state = "failed" end
  if missed > 0 then state = "missed" end
  local days = {}
  local row = calendar.cells[r.id] or {}
  for day = calendar.first, calendar.today do days[#days + 1] = CHARS[row[day] or "none"] end
  local completedAt = newestCompleted and dates.parse(newestCompleted["$createdAt"])
  return {
    kind = r.kind, id = r.id, name = r.name, state = state, protected = #covering > 0, policies = named,
    lastCompleted = completedAt, lastCompletedAge = completedAt and now - completedAt,
    lastSize = newestCompleted and math.type(newestCompleted.size) == "integer" and newestCompleted.size or nil,
    lastFailed = newest ~= nil and newest.status == "failed", failures = failures, missed = missed,
    nextScheduled = next, interval = interval, archives = counts, calendar = table.concat(days),
  }
end

--- Reads what changed and judges every resource: {now = seconds (the service's clock), resources,
--- policies, findings, requests = made by this poll, changed = archives read, archiveCount,
--- fullReads, calendarFirst = the calendar's first UTC day as an ISO date, days}.
function Monitor:poll()
  local b = self.backups
  local before = self.requests
  local now = self:clock()
  local resources = {}
  for _, kind in ipairs(KINDS) do
    for _, r in ipairs(self:readAll(b.resources[kind].list, kind)) do
      resources[#resources + 1] = { kind = KIND_LABEL[kind], listKind = kind, id = r["$id"], name = r.name or r["$id"] }
    end
  end
  local policies = self:readAll(b.policies.list, "policies")
  local changed = self:readArchives(policies, now)

  -- An archive or policy without a resourceId is the project's: it stands for every resource
  -- of its services (the judgement gets a copy naming each), so that each resource sees it.
  local archives, byResource = {}, {}
  local function add(a, id)
    byResource[id] = byResource[id] or {}
    table.insert(byResource[id], a)
  end
  for _, a in pairs(self.archives) do
    archives[#archives + 1] = a
    if a.resourceId then
      add(a, a.resourceId)
    else
      for _, r in ipairs(resources) do
        if covers(a, r.listKind, r.id) then add(setmetatable({ resourceId = r.id }, { __index = a }), r.id) end
      end
    end
  end
  local missedBy = {}
  for _, m in ipairs(schedules.missed(policies, archives, now)) do missedBy[m.policy["$id"]] = #m.runs end
  local ids = {}
  for i, r in ipairs(resources) do ids[i] = r.id end
  local calendar = pictures.cells(archives, { days = M.days, now = now, policies = policies, resources = ids })
  -- The project's rows, one a service (the same rule, once), drawn into each resource's row.
  for _, kind in ipairs(KINDS) do
    local wideArchives, widePolicies = {}, {}
    for _, a in ipairs(archives) do
      if not a.resourceId and covers(a, kind) then wideArchives[#wideArchives + 1] = a end
    end
    for _, p in ipairs(policies) do
      if not p.resourceId and covers(p, kind) then widePolicies[#widePolicies + 1] = p end
    end
    if #wideArchives + #widePolicies > 0 then
      local wide = pictures.cells(wideArchives, { days = M.days, now = now, policies = widePolicies, resources = { "(project)" } })
      for _, r in ipairs(resources) do
        local row = calendar.cells[r.id]
        if r.listKind == kind and row then
          for day, state in pairs(wide.cells["(project)"]) do
            if not row[day] or pictures.rank[state] < pictures.rank[row[day]] then row[day] = state end
          end
        end
      end
    end
  end

  local out, findings = json.array {}, json.array {}
  for _, r in ipairs(resources) do
    local j = judge(r, policies, byResource[r.id] or {}, missedBy, now, calendar)
    out[#out + 1] = j
    if j.state == "unprotected" then
      findings[#findings + 1] = { check = "unprotected", subject = j.id, detail = string.format("%s '%s' has no enabled backup policy", j.kind, j.name) }
    elseif j.state == "failed" then
      findings[#findings + 1] = { check = "failed", subject = j.id, detail = string.format("the newest archive of %s '%s' failed", j.kind, j.name) }
    elseif j.state == "missed" then
      findings[#findings + 1] = { check = "missed", subject = j.id,
        detail = string.format("%s '%s': %d scheduled run%s without an archive", j.kind, j.name, j.missed, j.missed == 1 and "" or "s") }
    end
  end
  table.sort(out, function(x, y)
    if RANK[x.state] ~= RANK[y.state] then return RANK[x.state] < RANK[y.state] end
    if x.kind ~= y.kind then return x.kind < y.kind end
    return x.id < y.id
  end)
  local plain = json.array {}
  for i, p in ipairs(policies) do
    plain[i] = { id = p["$id"], name = p.name or p["$id"], resource = p.resourceId or "", schedule = p.schedule,
      retention = p.retention, enabled = p.enabled == true }
  end
  return {
    now = now, resources = out, policies = plain, findings = findings, requests = self.requests - before,
    changed = changed, archiveCount = self.count, fullReads = self.fullReads,
    calendarFirst = dates.format(calendar.first * 86400):sub(1, 10), days = M.days,
  }
end

--- Runs a checks script's function with a poll's data (what `bkup monitor checks.lua` does after
--- each poll). While it runs, the global `monitor` has `monitor.gauge(name, labels, value)` (a
--- gauge of its own, name not starting with bkup_, labels a table of strings) and
--- `monitor.finding{check=, subject=, detail=}`; what they add joins the data (snap.gauges,
--- snap.findings), so that the page and /metrics show it. An error in the script is the poll's.
function M.runChecks(checks, snap)
  check.type(checks, "function", 1, "runChecks")
  check.type(snap, "table", 2, "runChecks")
  local gauges = json.array {}
  local api = {}
  function api.gauge(name, labels, value)
    check.type(name, "string", 1, "gauge")
    check.arg(name:match("^[%a_:][%w_:]*$") and not name:match("^bkup_"), 1, "gauge",
      "a metric name expected ([a-zA-Z_:][a-zA-Z0-9_:]*, not starting with bkup_), got '" .. name .. "'")
    check.type(labels, "table", 2, "gauge")
    check.type(value, "number", 3, "gauge")
    local plain = {}
    for k, v in pairs(labels) do
      -- Names starting with __ are Prometheus's own (__name__): one would take the whole scrape down.
      check.arg(type(k) == "string" and k:match("^[%a_][%w_]*$") and k ~= "project" and not k:match("^__"), 2, "gauge",
        "label names expected ([a-zA-Z_][a-zA-Z0-9_]*, not project, not starting with __), got '" .. tostring(k) .. "'")
      plain[k] = tostring(v)
    end
    gauges[#gauges + 1] = { name = name, labels = plain, value = value + 0.0 }
  end
  function api.finding(f)
    check.type(f, "table", 1, "finding")
    for k, v in pairs(f) do
      check.arg((k == "check" or k == "subject" or k == "detail") and type(v) == "string", 1, "finding",
        "fields check, subject and detail (strings) expected, got " .. tostring(k) .. " = " .. type(v))
    end
    check.arg(f.check ~= nil and f.subject ~= nil, 1, "finding", "check and subject are required")
    snap.findings[#snap.findings + 1] = { check = tostring(f.check or "script"), subject = tostring(f.subject or ""),
      detail = tostring(f.detail or "") }
  end
  local saved = rawget(_G, "monitor")
  rawset(_G, "monitor", api)
  local ok, err = pcall(checks, snap)
  rawset(_G, "monitor", saved)
  if not ok then error(err, 0) end
  snap.gauges = gauges
  return snap
end

return M
