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
for _, kind in ipairs({ "databases", "buckets", "functions" }) do
  local r = backups.resources[kind]
  r.each = makeEach(r.list, kind)
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

local configFn = backups._config
backups._config = nil
setmetatable(backups, {
  __index = function(_, k)
    if k == "config" then return configFn() end
  end,
})
return backups
