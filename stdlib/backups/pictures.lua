-- backups.report's pictures: a calendar of outcomes per resource and day, and sparklines.
--
--   print(backups.report.calendar(archives, {days = 90, policies = policies}))
--   backups.report.sparkline({3, 5, 8, 13})   --> "▁▂▄█"
--
-- Colour follows the terminal (off through a pipe or with NO_COLOR); every state also has its
-- own character, so the picture reads the same without colour.
local dates = require("bkup.dates")
local check = require("bkup.check")
local terminal = require("bkup.terminal")
local schedules = require("backups.schedules")

local M = {}

local BARS = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" }

--- Values as a line of eight-level bars (or the digits 1-8 with {plain = true}), scaled from
--- the smallest to the largest; {width = n} keeps the newest n values.
function M.sparkline(values, opts)
  check.type(values, "table", 1, "sparkline")
  opts = check.options(opts, { width = "integer", plain = "boolean" }, 2, "sparkline")
  local first = 1
  if opts.width ~= nil then
    check.arg(math.type(opts.width) == "integer" and opts.width >= 1, 2, "sparkline", "width must be a positive integer")
    first = math.max(1, #values - opts.width + 1)
  end
  local low, high = math.huge, -math.huge
  for i = first, #values do
    local v = values[i]
    check.arg(type(v) == "number" and v == v, 1, "sparkline", "numbers expected, got " .. check.typename(v) .. " at " .. i)
    if v < low then low = v end
    if v > high then high = v end
  end
  local out = {}
  for i = first, #values do
    local level = high > low and math.floor((values[i] - low) / (high - low) * 7 + 0.5) + 1 or (high > 0 and 5 or 1)
    out[#out + 1] = opts.plain and tostring(level) or BARS[level]
  end
  return table.concat(out)
end

-- One cell's states, strongest first: a day with a completed archive is covered whatever else
-- happened on it.
local STATES = {
  { name = "completed", char = "#", color = "32", legend = "completed" },
  { name = "running", char = "~", color = "36", legend = "in progress" },
  { name = "failed", char = "x", color = "31", legend = "failed" },
  { name = "missed", char = "!", color = "33", legend = "missed (a schedule expected one)" },
  { name = "expired", char = "-", color = "2", legend = "past retention (deleted: not judged)" },
  { name = "none", char = ".", color = "2", legend = "none", fancy = "·" },
}
local RANK, BY_NAME = {}, {}
for i, s in ipairs(STATES) do RANK[s.name], BY_NAME[s.name] = i, s end
local RUNNING = { pending = true, processing = true, uploading = true }

local function paint(state, color)
  local s = BY_NAME[state]
  if not color then return s.char end
  return "\27[" .. s.color .. "m" .. (s.fancy or s.char) .. "\27[0m"
end

local function seconds(t, what)
  if type(t) == "number" then return t end
  local s, err = dates.parse(t)
  if not s then error("calendar: " .. what .. ": " .. err, 4) end
  return s
end

local function label(text, width)
  local n = utf8.len(text) or #text
  if n > width then return text:sub(1, utf8.offset(text, width) - 1) .. "…" end
  return text .. string.rep(" ", width - n)
end

--- The calendar's cells as data: {first = the first UTC day (days since 1970), today =, order =
--- the rows' ids, cells = {[id] = {[day] = state}}} where a state is one of "completed",
--- "running", "failed", "missed", "expired" (a day without one is "none"). The rule of
--- M.calendar, which draws these; opts as there (without color).
local function cellsOf(archives, opts, fname)
  check.type(archives, "table", 1, fname, false, 2)
  opts = check.options(opts, { days = "integer", now = "string|number", policies = "table", color = "boolean",
    resources = "list" }, 2, fname, 2)
  local days = opts.days or 30
  check.arg(days >= 1 and days <= 3660, 2, fname, "days must be an integer from 1 to 3660", 2)
  local policies = opts.policies or {}
  local now = seconds(opts.now or backups.now(), "now")
  local today = now // 86400
  local first = today - days + 1
  local cells, order, seen = {}, {}, {}
  local function row(id)
    id = id or "(project)"
    if not cells[id] then
      cells[id] = {}
      if not opts.resources then order[#order + 1] = id end
    end
    return cells[id]
  end
  for _, id in ipairs(opts.resources or {}) do
    order[#order + 1] = id
    seen[id] = true
    row(id)
  end
  local function mark(id, day, state)
    if day < first or day > today then return end
    if opts.resources and not seen[id or "(project)"] then return end
    local r = row(id)
    local old = r[day]
    if not old or RANK[state] < RANK[old] then r[day] = state end
  end
  for i, a in ipairs(archives) do
    if type(a) ~= "table" then check.expected(a, "archive at " .. i, 1, fname, 2) end
    local state = a.status == "completed" and "completed" or a.status == "failed" and "failed"
      or RUNNING[a.status] and "running" or nil
    if state then mark(a.resourceId, seconds(a["$createdAt"], "archive " .. tostring(a["$id"])) // 86400, state) end
  end
  for _, p in ipairs(policies) do
    if p.enabled then
      row(p.resourceId)
      -- Days wholly past the policy's retention since it existed: what they held is deleted.
      local created = seconds(p["$createdAt"], "policy " .. tostring(p["$id"]))
      for day = math.max(first, created // 86400), math.min(today, schedules.keptAfter(p, now) // 86400 - 1) do
        mark(p.resourceId, day, "expired")
      end
      for _, run in ipairs(schedules.runs(p, archives, now, first * 86400)) do
        if run.state == "missed" or run.state == "expired" then mark(p.resourceId, run.at // 86400, run.state) end
      end
    end
  end
  if not opts.resources then table.sort(order) end
  return { first = first, today = today, order = order, cells = cells, days = days }
end

function M.cells(archives, opts) return cellsOf(archives, opts, "cells") end
--- The states' strength, 1 the strongest: where two fall on one day, the stronger is drawn.
M.rank = RANK

--- One row per resource, one cell per UTC day (the newest `days`, ending with today), by
--- outcome; with a legend. opts: days (30), now (the service's clock), policies (their runs
--- that were missed are marked missed, and days wholly past their retention are marked so:
--- backups.schedules, the audit's rule), color (default: on a terminal without NO_COLOR),
--- resources (the rows, in order).
function M.calendar(archives, opts)
  local data = cellsOf(archives, opts, "calendar")
  local color = opts and opts.color
  if color == nil then color = terminal.color() end
  local first, today, order, cells, days = data.first, data.today, data.order, data.cells, data.days

  local width = 8
  for _, id in ipairs(order) do width = math.max(width, utf8.len(id) or #id) end
  width = math.min(width, 28)
  local lines = {}
  -- A date every week, over the first of its seven cells.
  local ruler = {}
  for day = first, today, 7 do
    local text = os.date("!%m-%d", day * 86400)
    ruler[#ruler + 1] = (today - day + 1 >= 5) and text .. string.rep(" ", 2) or string.rep(" ", math.min(7, today - day + 1))
  end
  lines[1] = (string.rep(" ", width + 1) .. table.concat(ruler):sub(1, days)):gsub("%s+$", "")
  for _, id in ipairs(order) do
    local r, out = cells[id], {}
    local counts = { completed = 0, failed = 0, missed = 0, expired = 0 }
    for day = first, today do
      local state = r[day] or "none"
      out[#out + 1] = paint(state, color)
      if counts[state] then counts[state] = counts[state] + 1 end
    end
    local notes = { string.format("%d/%d days", counts.completed, days) }
    if counts.failed > 0 then notes[#notes + 1] = counts.failed .. " failed" end
    if counts.missed > 0 then notes[#notes + 1] = counts.missed .. " missed" end
    if counts.expired > 0 then notes[#notes + 1] = counts.expired .. " past retention" end
    lines[#lines + 1] = label(id, width) .. " " .. table.concat(out) .. "  " .. table.concat(notes, ", ")
  end
  if #order == 0 then lines[#lines + 1] = "(no archives and no policies)" end
  local legend = {}
  for _, s in ipairs(STATES) do legend[#legend + 1] = paint(s.name, color) .. " " .. s.legend end
  lines[#lines + 1] = ""
  lines[#lines + 1] = table.concat(legend, "  ") .. string.format("   (%d days to %s, UTC)", days, os.date("!%Y-%m-%d", today * 86400))
  return table.concat(lines, "\n")
end

return M
