-- The operator's library at scale, against the endpoint bkup is pointed at (a `bkup serve
-- --in-memory --speed 0.000001`, so that only `advance` moves the clock).
--   library.lua rotate N CONCURRENCY   converge N databases (the emulator must hold them)
--   library.lua waitall N              N archives, one waitAll (a few list calls per round)
--   library.lua wait N                 the same N archives, one archives.wait each, all at once
-- run.sh resets and seeds the emulator between phases and counts requests with /emulator/stats.
local mode, n, conc = ...
n = tonumber(n) or 1000
if mode == "rotate" then
  conc = tonumber(conc) or 16
  local t0 = task.now()
  local report = backups.rotate("databases", { schedule = "0 2 * * *", retention = 30, id = "bench-{resourceId}" },
    { concurrency = conc, progress = false })
  local dt = task.now() - t0
  print(string.format("rotate c=%-3d %5d databases in %6.2fs: %6.0f resources/s  (%s)", conc, n, dt, n / dt, tostring(report)))
  return
end

local ids = {}
for db in backups.resources.databases.each() do ids[#ids + 1] = db["$id"] end
local started = task.map(ids, function(id) return backups.archives.create{ services = { "databases" }, resourceId = id } end,
  { concurrency = 32, progress = false })
-- The clock is frozen: everything finishes when it moves, 3 s into the wait (12 polling rounds).
task.spawn(function() task.sleep(3) backups.emulator.advance(3600) end)
local t0 = task.now()
local done = 0
if mode == "waitall" then
  local results = backups.archives.waitAll(started, { interval = 0.25, progress = false })
  for _ in pairs(results) do done = done + 1 end
else
  local results = task.map(started, function(a) return backups.archives.wait(a["$id"], { interval = 0.25 }) end,
    { concurrency = #started, progress = false })
  for _ in pairs(results) do done = done + 1 end
end
print(string.format("%-8s %5d archives: all %d final %.2fs after the wait began", mode, #started, done, task.now() - t0))
