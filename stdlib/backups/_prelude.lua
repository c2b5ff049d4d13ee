-- The Lua half of the `backups` module: cursor iterators, waiting for final states, and the
-- lazily resolved `backups.config`. Loaded by the host with the module table.
local backups = ...
local Query, task, json = Query, task, json

local function parseQuery(q)
  local ok, v = pcall(json.decode, q)
  if ok and type(v) == "table" then return v end
  return nil
end

-- Every record matching `queries`, fetched page by page with cursorAfter on the last $id. The
-- caller's filters and order are kept; a caller's limit sets the page size; offsets and
-- cursors are dropped (a cursor walk never skips or repeats).
local function makeEach(list, key)
  return function(queries)
    if queries ~= nil and type(queries) ~= "table" then
      error("bad argument #1 to 'each' (table expected, got " .. type(queries) .. ")", 2)
    end
    local base, pageSize = {}, 100
    for _, q in ipairs(queries or {}) do
      local parsed = parseQuery(q)
      local m = parsed and parsed.method
      if m == "limit" then
        pageSize = parsed.values[1]
      elseif m ~= "offset" and m ~= "cursorAfter" and m ~= "cursorBefore" then
        base[#base + 1] = q
      end
    end
    local buffer, i, cursor, finished = {}, 0, nil, false
    -- A walk longer than one page shows progress (on a terminal only; see task.map).
    local total, seen, progress = nil, 0, task._progress
    return function()
      i = i + 1
      if i > #buffer then
        if finished then
          if total and total > pageSize then progress(seen, math.max(seen, total), 0, true) end
          return nil
        end
        local page = { table.unpack(base) }
        page[#page + 1] = Query.limit(pageSize)
        if cursor then page[#page + 1] = Query.cursorAfter(cursor) end
        local answer = list(page)
        buffer = answer[key]
        total = total or answer.total
        i = 1
        if #buffer < pageSize then finished = true end
        if #buffer == 0 then
          if total and total > pageSize then progress(seen, math.max(seen, total), 0, true) end
          return nil
        end
        cursor = buffer[#buffer]["$id"]
      end
      seen = seen + 1
      if total and total > pageSize then progress(seen, math.max(seen, total), 0, false) end
      return buffer[i]
    end
  end
end

backups.policies.each = makeEach(backups.policies.list, "policies")
backups.archives.each = makeEach(backups.archives.list, "archives")
backups.restorations.each = makeEach(backups.restorations.list, "restorations")
-- Each kind of resource, and the service that backs it up.
for kind, service in pairs({ databases = "databases", buckets = "storage", functions = "functions" }) do
  local r = backups.resources[kind]
  r.each = makeEach(r.list, kind)
  r.service = service
end

local final = {
  archive = { completed = true, failed = true, skipped = true },
  restoration = { completed = true, failed = true },
}

-- Polls until the record reaches a final status; raises a `timeout` backups.Error after
-- `opts.timeout` seconds (default 600), polling every `opts.interval` seconds (default 2).
local function makeWait(get, noun)
  return function(id, opts)
    if type(id) == "table" and rawget(id, "$id") then id = rawget(id, "$id") end
    if type(id) ~= "string" then
      error("bad argument #1 to 'wait' (string expected, got " .. type(id) .. ")", 2)
    end
    if opts ~= nil and type(opts) ~= "table" then
      error("bad argument #2 to 'wait' (table expected, got " .. type(opts) .. ")", 2)
    end
    opts = opts or {}
    local timeout, interval = opts.timeout or 600, opts.interval or 2
    local deadline = task.now() + timeout
    while true do
      local record = get(id)
      if final[noun][record.status] then return record end
      if task.now() + interval > deadline then
        error(backups.error("timeout", string.format("%s %s is still %s after %gs", noun, id, record.status, timeout)), 2)
      end
      task.sleep(interval)
    end
  end
end

backups.archives.wait = makeWait(backups.archives.get, "archive")
backups.restorations.wait = makeWait(backups.restorations.get, "restoration")

-- Query.equalAny(attribute, values) --> {query, ...}: Query.equal over any number of values,
-- as several queries that each stay well inside the service's limits (100 values and 4,096
-- characters per query). Each query is one list call: for q in ... do list{q, ...} end.
function Query.equalAny(attribute, values)
  if type(values) ~= "table" then
    error("bad argument #2 to 'equalAny' (list of values expected, got " .. type(values) .. ")", 2)
  end
  local queries, chunk, length = {}, {}, 0
  for _, v in ipairs(values) do
    local size = #tostring(v) + 3
    if #chunk == 50 or length + size > 3000 then
      queries[#queries + 1], chunk, length = Query.equal(attribute, chunk), {}, 0
    end
    chunk[#chunk + 1] = v
    length = length + size
  end
  if #chunk > 0 then queries[#queries + 1] = Query.equal(attribute, chunk) end
  return queries
end

-- Waits for many records at once: each round asks for every unfinished one in a few list
-- calls (not one get each), then sleeps. Returns results (records in a final state, by the
-- position of their ID in `items`) and errors (by position: a `timeout` or `not_found` error),
-- like task.map. Shows a progress bar on a terminal; a failed or skipped archive counts as a
-- failure there but is still a result.
local function makeWaitAll(list, get, key, noun)
  return function(items, opts)
    if type(items) ~= "table" then
      error("bad argument #1 to 'waitAll' (table expected, got " .. type(items) .. ")", 2)
    end
    if opts ~= nil and type(opts) ~= "table" then
      error("bad argument #2 to 'waitAll' (table expected, got " .. type(opts) .. ")", 2)
    end
    opts = opts or {}
    local timeout, interval = opts.timeout or 600, opts.interval or 2
    local show = opts.progress ~= false
    local positions, waiting = {}, {}
    for i, item in ipairs(items) do
      local id = type(item) == "table" and rawget(item, "$id") or item
      if type(id) ~= "string" then
        error(string.format("bad argument #1 to 'waitAll' (item #%d: ID or record expected, got %s)", i, type(item)), 2)
      end
      if not positions[id] then
        positions[id] = {}
        waiting[#waiting + 1] = id
      end
      table.insert(positions[id], i)
    end
    local results, errors = {}, {}
    local total, done, failures = #items, 0, 0
    local function settle(id, record, err)
      for _, i in ipairs(positions[id]) do
        if record then results[i] = record else errors[i] = err end
        done = done + 1
        if err or record.status ~= "completed" then failures = failures + 1 end
      end
    end
    local deadline = task.now() + timeout
    while #waiting > 0 do
      local still = {}
      local found = {}
      for _, q in ipairs(Query.equalAny("$id", waiting)) do
        for _, r in ipairs(list({ q, Query.limit(50) })[key]) do found[r["$id"]] = r end
      end
      for _, id in ipairs(waiting) do
        local record = found[id]
        if not record then
          -- Not listed: gone, or a record that exists only in a dry run's plan.
          local ok, r = pcall(get, id)
          if ok then record = r else settle(id, nil, r) end
        end
        if record then
          if final[noun][record.status] then settle(id, record) else still[#still + 1] = id end
        end
      end
      waiting = still
      if show and total > 0 then task._progress(done, total, failures, #waiting == 0) end
      if #waiting == 0 then break end
      if task.now() + interval > deadline then
        for _, id in ipairs(waiting) do
          settle(id, nil, backups.error("timeout", string.format("%s %s did not finish within %gs", noun, id, timeout)))
        end
        if show then task._progress(done, total, failures, true) end
        break
      end
      task.sleep(interval)
    end
    return results, errors
  end
end

backups.archives.waitAll = makeWaitAll(backups.archives.list, backups.archives.get, "archives", "archive")
backups.restorations.waitAll = makeWaitAll(backups.restorations.list, backups.restorations.get, "restorations", "restoration")

-- The service's clock: an emulator's virtual time when rehearsing (the embedded one, or
-- `bkup serve` at --endpoint, found by asking it once), else this machine's.
local emulatorClock
function backups.now()
  if emulatorClock == nil then
    emulatorClock = backups.config.emulator or (pcall(backups.emulator.now))
  end
  if emulatorClock then return backups.emulator.now() end
  return require("dates").format(os.time())
end

local configFn = backups._config
backups._config = nil
-- The operator's library loads on first use: backups.rotate, backups.retention,
-- backups.report, backups.audit (stdlib/backups/*.lua).
local library = { rotate = true, retention = true, report = true, audit = true }
setmetatable(backups, {
  __index = function(_, k)
    if k == "config" then return configFn() end
    if library[k] then return require("backups." .. k) end
  end,
})
return backups
