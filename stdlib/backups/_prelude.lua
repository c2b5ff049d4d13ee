-- The Lua half of the `backups` module: waiting for final states, the service's clock, the
-- operator's library, and the lazily resolved `backups.config`. Run by the host with a
-- connection's module table (the Swift half: list, each, get, create, update, delete, ...).
-- `isConnection`: a table of backups.connect (its library is its own copy, bound to it).
local backups, isConnection = ...
local Query, task = Query, task
local load, setmetatable, rawget = load, setmetatable, rawget
local check = require("bkup.check")

local final = {
  archive = backups.vocabulary.archive.final,
  restoration = backups.vocabulary.restoration.final,
}

-- opts.timeout and opts.interval: finite, non-negative seconds (NaN or math.huge would wait
-- forever, or not at all, without saying so).
local function seconds(opts, field, default, fname)
  local v = opts[field]
  if v == nil then return default end
  check.arg(type(v) == "number" and v >= 0 and v < math.huge, 2, fname,
    string.format("field '%s': a finite, non-negative number of seconds expected, got %s", field,
      type(v) == "number" and tostring(v) or check.typename(v)), 2)
  return v
end

-- Polls until the record reaches a final status; raises a `timeout` backups.Error after
-- `opts.timeout` seconds (default 600), polling every `opts.interval` seconds (default 2).
local function makeWait(get, noun)
  return function(id, opts)
    if type(id) == "table" and rawget(id, "$id") then id = rawget(id, "$id") end
    check.type(id, "string", 1, "wait")
    opts = check.options(opts, { timeout = "number", interval = "number" }, 2, "wait")
    local timeout, interval = seconds(opts, "timeout", 600, "wait"), seconds(opts, "interval", 2, "wait")
    local started = task.now()
    local deadline = started + timeout
    while true do
      local record = get(id)
      if final[noun][record.status] then return record end
      if task.now() + interval > deadline then
        -- The time really spent: a slow answer can take the wait past its timeout.
        error(backups.error("timeout", string.format("%s %s is still %s after %.1f s (timeout %g s)", noun, id, record.status,
          task.now() - started, timeout)), 2)
      end
      task.sleep(interval)
    end
  end
end

backups.archives.wait = makeWait(backups.archives.get, "archive")
backups.restorations.wait = makeWait(backups.restorations.get, "restoration")

-- Waits for many records at once: each round asks for every unfinished one in a few list
-- calls (not one get each), then sleeps. Returns results (records in a final state, by the
-- position of their ID in `items`) and errors (by position: a `timeout` or `not_found` error),
-- like task.map. Shows a progress bar on a terminal; a failed or skipped archive counts as a
-- failure there but is still a result.
local function makeWaitAll(list, get, key, noun)
  return function(items, opts)
    check.type(items, "table", 1, "waitAll")
    opts = check.options(opts, { timeout = "number", interval = "number", progress = "boolean" }, 2, "waitAll")
    local timeout, interval = seconds(opts, "timeout", 600, "waitAll"), seconds(opts, "interval", 2, "waitAll")
    local show = opts.progress ~= false
    local positions, waiting = {}, {}
    for i, item in ipairs(items) do
      local id = type(item) == "table" and rawget(item, "$id") or item
      check.arg(type(id) == "string", 1, "waitAll",
        string.format("item #%d: ID or record expected, got %s", i, check.typename(item)))
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
    local started = task.now()
    local deadline = started + timeout
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
          settle(id, nil, backups.error("timeout", string.format("%s %s did not finish in %.1f s (timeout %g s)", noun, id,
            task.now() - started, timeout)))
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
    local ok, err = backups.config.emulator, nil
    if not ok then ok, err = pcall(backups.emulator.now) end
    -- No answer at all (a timeout, a refused connection) is not "not an emulator": nothing
    -- else would be answered either, so it is raised once here rather than after another try.
    if not ok and type(err) == "userdata" and err.code == 0 and (err.type == "timeout" or err.type == "network_error") then
      error(err, 2)
    end
    emulatorClock = ok
  end
  if emulatorClock then return backups.emulator.now() end
  return require("bkup.dates").format(os.time())
end

local configFn = backups._config
backups._config = nil

-- First contact: the checklist from the URL to the key's scopes (stdlib/backups/doctor.lua).
local doctorFn = backups._doctor
backups._doctor = nil
function backups.doctor()
  return require("backups.doctor").wrap(doctorFn())
end
-- The operator's library loads on first use: backups.rotate, backups.retention,
-- backups.report, backups.audit, backups.schedules (stdlib/backups/*.lua). A connection loads
-- its own copy, in which `backups` (and `require` of the library) mean the connection.
local library = { rotate = true, retention = true, report = true, audit = true, schedules = true }
local chunkFn = backups._chunk
backups._chunk = nil
local own = {}
local function libraryModule(name)
  if not isConnection then return require("backups." .. name) end
  if own[name] == nil then
    local env = setmetatable({ backups = backups }, { __index = _G })
    env.require = function(module)
      local lib = type(module) == "string" and module:match("^backups%.(%a+)$")
      if lib and library[lib] then return libraryModule(lib) end
      return require(module)
    end
    own[name] = assert(load(chunkFn("backups." .. name), nil, "t", env))("backups." .. name)
  end
  return own[name]
end

-- Connections: the same API for another project or endpoint; a fleet is a list of them.
-- Named as the functions they serve: a bad argument names the function it was called by.
local connect, fleet = backups._connect, backups._fleet
backups._connect, backups._fleet = nil, nil
function backups.connect(settings)
  check.type(settings, "table", 1, "connect")
  local conn = connect(settings)
  local source, name = chunkFn("backups._prelude")
  return assert(load(source, name, "t"))(conn, true)
end
function backups.fleet(path)
  check.type(path, "string", 1, "fleet")
  local out = {}
  local source, name = chunkFn("backups._prelude")
  for i, member in ipairs(fleet(path)) do
    out[i] = assert(load(source, name, "t"))(member.conn, true)
    out[i].name = member.name
  end
  return out
end

setmetatable(backups, {
  __index = function(_, k)
    if k == "config" then return configFn() end
    if library[k] then return libraryModule(k) end
  end,
  __tostring = function()
    local ok, c = pcall(configFn)
    if not ok then return "backups connection (not configured)" end
    return string.format("backups connection: %s, project %s%s", c.endpoint, c.project, c.emulator and " (emulator)" or "")
  end,
})
return backups
