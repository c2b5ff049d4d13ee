-- backups.rotate: converge the backup policies of many resources to one spec.
--
--   local report = backups.rotate("databases", {
--     schedule = "0 2 * * *", retention = 30,    -- required
--     services = {"databases"},                  -- default: the service of the resource kind
--     enabled = true,                            -- default: true
--     id = "nightly-{resourceId}",               -- policy ID template (default "bkup-{resourceId}")
--     name = "Nightly {resourceName}",           -- name template (default "{resourceName} backup")
--   }, {prune = false, concurrency = 16, adopt = true, onChange = function(change) end})
--   print(report)   --> rotate: 3 created, 1 updated, 0 replaced, 0 deleted, 12 unchanged, 0 failed
--
-- The selector is "databases", "buckets" or "functions" (every one), a list of resource IDs
-- (databases), or a table {kind=, ids={...}} or {kind=, queries={...}}. Templates know
-- {resourceId}, {resourceName}, {kind} and {service}.
--
-- Per resource, the policy that stands for the spec is the one with the templated ID (wherever
-- it points), else the one with the templated name, else (with adopt) the only policy on the
-- resource with the same services. It is created when missing and updated in place when its
-- name, schedule, retention or enabled drifted. Services and resourceId cannot be updated in
-- place, so such a change is create-new, verify (a GET), then delete-old: the resource always
-- has a policy. With prune, the resource's other policies are deleted. Running it again changes
-- nothing. Resources converge concurrently (task.map); one failure never stops the others, and
-- a dry run plans every step.
local backups, task, ID, cron = backups, task, ID, cron
local check = require("bkup.check")

local placeholders = { resourceId = true, resourceName = true, kind = true, service = true }

local function fail(message) error("backups.rotate: " .. message, 3) end

local function sorted(list)
  local copy = {}
  for i, v in ipairs(list or {}) do copy[i] = v end
  table.sort(copy)
  return copy
end

local function sameSet(a, b)
  local x, y = sorted(a), sorted(b)
  if #x ~= #y then return false end
  for i = 1, #x do if x[i] ~= y[i] then return false end end
  return true
end

local function checkTemplate(field, template)
  if type(template) ~= "string" then fail(string.format("spec.%s must be a string template", field)) end
  for name in template:gmatch("{(.-)}") do
    if not placeholders[name] then
      fail(string.format("spec.%s: unknown placeholder {%s} (known: {resourceId}, {resourceName}, {kind}, {service})", field, name))
    end
  end
end

local function render(template, vars)
  return (template:gsub("{(.-)}", vars))
end

local specFields = { services = "list", schedule = "string", retention = "integer", enabled = "boolean", name = "string", id = "string" }
local optionFields = { prune = "boolean", adopt = "boolean", concurrency = "integer", onChange = "function", progress = "boolean" }

-- The spec's values (its fields' types are checked before anything is read).
local function checkSpec(spec, kind)
  if spec.schedule == nil then fail("spec.schedule is required (a cron expression)") end
  local ok, why = cron.validate(spec.schedule)
  if not ok then fail(string.format("spec.schedule '%s' is not a valid cron expression: %s", spec.schedule, why)) end
  if spec.retention == nil or spec.retention < 1 then
    fail("spec.retention must be a positive integer number of days")
  end
  local services = spec.services or { backups.resources[kind].service }
  if #services == 0 then fail("spec.services must be a non-empty list of services") end
  local out = {
    services = sorted(services), schedule = spec.schedule, retention = spec.retention,
    enabled = spec.enabled ~= false, id = spec.id or "bkup-{resourceId}", name = spec.name or "{resourceName} backup",
    defaultId = spec.id == nil,
  }
  checkTemplate("id", out.id)
  checkTemplate("name", out.name)
  return out
end

-- The resources a selector names: a list of {id=, name=} and their kind.
local function selectResources(selector)
  local kind, ids, queries
  if type(selector) == "string" then
    kind = selector
  elseif type(selector) == "table" then
    if selector[1] ~= nil then
      kind, ids = "databases", selector
    else
      kind, ids, queries = selector.kind or "databases", selector.ids, selector.queries
    end
  else
    fail("bad argument #1 (selector expected: a kind, a list of IDs, or {kind=, ids=|queries=}; got " .. type(selector) .. ")")
  end
  if kind ~= "databases" and kind ~= "buckets" and kind ~= "functions" then
    fail(string.format("unknown resource kind '%s' (databases, buckets or functions)", tostring(kind)))
  end
  local source = backups.resources[kind]
  local resources, missing = {}, {}
  if ids then
    local wanted = {}
    for i, id in ipairs(ids) do
      if type(id) ~= "string" then fail(string.format("resource ID #%d must be a string, got %s", i, type(id))) end
      wanted[#wanted + 1] = id
    end
    local found = {}
    for _, q in ipairs(Query.equalAny("$id", wanted)) do
      for r in source.each({ q }) do found[r["$id"]] = r end
    end
    for _, id in ipairs(wanted) do
      if found[id] then resources[#resources + 1] = found[id] else missing[#missing + 1] = id end
    end
  else
    for r in source.each(queries) do resources[#resources + 1] = r end
  end
  return kind, resources, missing
end

local Report = {}
Report.__index = Report
local outcomes = { "created", "updated", "replaced", "deleted", "unchanged", "failed" }

function Report:__tostring()
  local parts = {}
  for _, k in ipairs(outcomes) do parts[#parts + 1] = string.format("%d %s", #self[k], k) end
  return (self.dryRun and "rotate (dry run): " or "rotate: ") .. table.concat(parts, ", ")
end

--- One line per change and failure, for people: "+ db-0001: created policy nightly-db-0001".
function Report:lines()
  local marks = { created = "+", updated = "~", replaced = "±", deleted = "-", failed = "!" }
  local out = {}
  for _, k in ipairs(outcomes) do
    if k ~= "unchanged" then
      for _, e in ipairs(self[k]) do
        local what = k == "failed" and ("failed: " .. e.reason)
          or string.format("%s policy %s%s", k, e.policyId, e.detail and (" (" .. e.detail .. ")") or "")
        out[#out + 1] = string.format("%s %s: %s", marks[k], e.resourceId, what)
      end
    end
  end
  return out
end

local function changesOf(policy, want)
  local changes, words = {}, {}
  for _, field in ipairs({ "name", "schedule", "retention", "enabled" }) do
    if policy[field] ~= want[field] then
      changes[field] = want[field]
      words[#words + 1] = string.format("%s %s → %s", field, tostring(policy[field]), tostring(want[field]))
    end
  end
  return changes, table.concat(words, ", ")
end

local function rotate(selector, spec, opts)
  check.type(spec, "table", 2, "rotate")
  check.fields(spec, specFields, 2, "rotate")
  opts = check.options(opts, optionFields, 3, "rotate")
  local kind, resources, missing = selectResources(selector)
  spec = checkSpec(spec, kind)
  if #resources > 1 and not spec.id:find("{resource") then
    fail(string.format("spec.id '%s' names the same policy for every resource: put {resourceId} in it", spec.id))
  end
  local onChange = opts.onChange or function() end

  -- Every policy, once: by ID (a templated ID may point anywhere) and by resource.
  local byId, byResource = {}, {}
  for p in backups.policies.each() do
    byId[p["$id"]] = p
    if p.resourceId then
      local list = byResource[p.resourceId] or {}
      list[#list + 1] = p
      byResource[p.resourceId] = list
    end
  end

  local report = { dryRun = backups.config.dryRun }
  for _, k in ipairs(outcomes) do report[k] = {} end
  for _, id in ipairs(missing) do
    table.insert(report.failed, { resourceId = id, reason = string.format("no such %s", kind:sub(1, -2)) })
  end

  local function converge(resource)
    local rid = resource["$id"]
    local vars = { resourceId = rid, resourceName = resource.name or rid, kind = kind, service = spec.services[1] }
    local want = {
      name = render(spec.name, vars), schedule = spec.schedule, retention = spec.retention, enabled = spec.enabled,
    }
    local desiredId = render(spec.id, vars)
    if not ID.valid(desiredId) then
      if not spec.defaultId then
        error(string.format("policy ID '%s' (from the template '%s') is not a valid ID: at most 36 characters "
          .. "a-z, A-Z, 0-9, period, hyphen, underscore, not starting with a special character", desiredId, spec.id), 0)
      end
      desiredId = nil  -- the default template does not fit this resource: a unique ID instead
    end
    local mine = byResource[rid] or {}
    local entries = {}
    local function record(outcome, policyId, detail)
      entries[#entries + 1] = { outcome, { resourceId = rid, policyId = policyId, detail = detail } }
    end

    local target = desiredId and byId[desiredId]
    if not target then
      for _, p in ipairs(mine) do if p.name == want.name then target = p; break end end
    end
    if not target and opts.adopt ~= false then
      local same = {}
      for _, p in ipairs(mine) do if sameSet(p.services, spec.services) then same[#same + 1] = p end end
      if #same == 1 then target = same[1] end
    end

    local function create(id)
      local p = backups.policies.create{
        id = id or ID.unique(), name = want.name, services = spec.services, resourceId = rid,
        retention = want.retention, schedule = want.schedule, enabled = want.enabled,
      }
      onChange{ action = "create", resourceId = rid, policyId = p["$id"] }
      return p
    end

    local kept
    if not target then
      kept = create(desiredId)
      record("created", kept["$id"], table.concat(spec.services, "+") .. ", " .. want.schedule .. ", " .. want.retention .. "d")
    elseif target.resourceId ~= rid or not sameSet(target.services, spec.services) then
      -- Not updatable in place: create the new one, check it is really there, then delete the old.
      local why = target.resourceId ~= rid
        and string.format("resource %s → %s", tostring(target.resourceId), rid)
        or string.format("services %s → %s", table.concat(sorted(target.services), "+"), table.concat(spec.services, "+"))
      local newId = desiredId
      if newId == nil or newId == target["$id"] or byId[newId] then
        local alternate = (desiredId or "") .. "-2"
        newId = (desiredId and #alternate <= 36 and target["$id"] ~= alternate and not byId[alternate]) and alternate or ID.unique()
      end
      kept = create(newId)
      local readBack = backups.policies.get(kept["$id"])
      if readBack.resourceId ~= rid or not sameSet(readBack.services, spec.services) or readBack.schedule ~= want.schedule
        or readBack.retention ~= want.retention then
        error(string.format("replacement policy %s did not verify; kept %s", kept["$id"], target["$id"]), 0)
      end
      backups.policies.delete(target["$id"])
      onChange{ action = "delete", resourceId = target.resourceId, policyId = target["$id"] }
      record("replaced", kept["$id"], string.format("was %s: %s", target["$id"], why))
    else
      kept = target
      local changes, words = changesOf(target, want)
      if next(changes) then
        kept = backups.policies.update(target["$id"], changes)
        onChange{ action = "update", resourceId = rid, policyId = target["$id"] }
        record("updated", target["$id"], words)
      else
        record("unchanged", target["$id"])
      end
    end

    if opts.prune then
      for _, p in ipairs(mine) do
        if p["$id"] ~= kept["$id"] and p ~= target then
          backups.policies.delete(p["$id"])
          onChange{ action = "delete", resourceId = rid, policyId = p["$id"] }
          record("deleted", p["$id"], "outside the spec")
        end
      end
    end
    return entries
  end

  local results, errors = task.map(resources, converge, { concurrency = opts.concurrency, progress = opts.progress })
  for i, resource in ipairs(resources) do
    if results[i] then
      for _, e in ipairs(results[i]) do table.insert(report[e[1]], e[2]) end
    else
      local err = errors[i]
      table.insert(report.failed, { resourceId = resource["$id"], reason = tostring(err), error = err })
    end
  end
  report.ok = #report.failed == 0
  return setmetatable(report, Report)
end

return rotate
