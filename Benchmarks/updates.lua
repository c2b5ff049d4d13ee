-- 10,000 backups.policies.update calls through task.map at the concurrency given, against
-- the endpoint bkup is pointed at. Policies bench-0001.. must exist (run with "setup" first).
--   bkup --endpoint URL --project P --key-file F Benchmarks/updates.lua setup N
--   bkup --endpoint URL --project P --key-file F Benchmarks/updates.lua run N CONCURRENCY
local mode, n, conc = ...
n = tonumber(n) or 10000
local ids = {}
for i = 1, n do ids[i] = string.format("bench-%05d", i) end
if mode == "setup" then
  local _, errs = task.map(ids, function(id)
    local ok, e = pcall(backups.policies.create, {id = id, services = {"databases"}, retention = 7, schedule = "0 2 * * *"})
    if not ok and e.code ~= 409 then error(e) end
  end, {concurrency = 32, progress = false})
  assert(next(errs) == nil, "setup failed")
  return
end
conc = tonumber(conc) or 32
local t0 = task.now()
-- Every update changes the policy (setup made retention 7).
local _, errs = task.map(ids, function(id, i)
  return backups.policies.update(id, {retention = 8 + (i % 20)})
end, {concurrency = conc, progress = false})
local elapsed = task.now() - t0
local failed = 0
for _ in pairs(errs) do failed = failed + 1 end
print(string.format("bkup task.map c=%-3d %8.0f updates/s  (%d in %.2fs, %d failed)", conc, n / elapsed, n, elapsed, failed))
