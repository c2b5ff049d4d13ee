-- task.map, run by the host on the task table after the Swift half (spawn, wait, sleep...).
-- It is plain Lua over spawn/wait: tasks are cooperative, so the shared cursor needs no lock,
-- and every item's failure is caught and kept apart.
local task = ...
local spawn, progress = task.spawn, task._progress
local require, check = require, nil -- bkup.check: found on first use (the searchers come after this chunk)
function task.map(list, fn, opts)
  if type(list) ~= "table" then
    error("bad argument #1 to 'map' (table expected, got " .. type(list) .. ")", 2)
  end
  if type(fn) ~= "function" then
    error("bad argument #2 to 'map' (function expected, got " .. type(fn) .. ")", 2)
  end
  check = check or require("bkup.check")
  opts = check.options(opts, { concurrency = "integer", progress = "boolean" }, 3, "map")
  local n = #list
  -- math.tointeger's rule, as every integer the host reads: 4.0 is 4, 4.5 is not an integer.
  local concurrency = opts.concurrency or task._default_concurrency()
  concurrency = type(concurrency) == "number" and math.tointeger(concurrency) or nil
  if not concurrency or concurrency < 1 then
    error("bad argument #3 to 'map' (concurrency must be a positive integer)", 2)
  end
  local show = opts.progress ~= false
  local results, errors = {}, {}
  local nextIndex, done, failures = 1, 0, 0
  local function worker()
    while nextIndex <= n do
      local i = nextIndex
      nextIndex = i + 1
      local ok, result = pcall(fn, list[i], i)
      if ok then results[i] = result else errors[i] = result; failures = failures + 1 end
      done = done + 1
      if show then progress(done, n, failures, false) end
    end
  end
  local workers = {}
  for w = 1, math.min(concurrency, n) do workers[w] = spawn(worker) end
  for _, w in ipairs(workers) do w:wait() end
  if show and n > 0 then progress(done, n, failures, true) end
  return results, errors
end
