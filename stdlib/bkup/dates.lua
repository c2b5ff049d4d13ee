-- dates: Appwrite's ISO 8601 dates as Unix seconds and back, and the calendar buckets that
-- retention works in (all UTC).
--
--   local dates = require("bkup.dates")
--   dates.parse("2026-11-26T02:00:00.000+00:00")  --> 1795658400.0
--   dates.format(1795658400)                      --> "2026-11-26T02:00:00.000+00:00"
--   dates.day(t), dates.week(t), dates.month(t), dates.year(t)  --> "2026-11-26", "2026-W48", ...
local M = {}

-- Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
local function daysFromCivil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

--- Unix seconds (a float, with milliseconds) of an ISO 8601 date; nil, message if malformed.
function M.parse(text)
  if type(text) ~= "string" then return nil, "date string expected, got " .. type(text) end
  local y, mo, d, h, mi, s, rest = text:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)[T ](%d%d):(%d%d):(%d%d)(.*)$")
  if not y then return nil, "not an ISO 8601 date: " .. text end
  local frac, zone = rest:match("^%.(%d+)(.*)$")
  if not frac then frac, zone = "0", rest end
  local offset = 0
  if zone ~= "Z" and zone ~= "" then
    local sign, zh, zm = zone:match("^([%+%-])(%d%d):?(%d%d)$")
    if not sign then return nil, "bad time zone in date: " .. text end
    offset = (tonumber(zh) * 3600 + tonumber(zm) * 60) * (sign == "+" and 1 or -1)
  end
  local days = daysFromCivil(tonumber(y), tonumber(mo), tonumber(d))
  return days * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(s)
    + tonumber("0." .. frac) - offset
end

--- Appwrite's date format for Unix seconds.
function M.format(t)
  local whole = math.floor(t)
  local ms = math.floor((t - whole) * 1000 + 0.5)
  if ms == 1000 then whole, ms = whole + 1, 0 end
  return os.date("!%Y-%m-%dT%H:%M:%S", whole) .. string.format(".%03d+00:00", ms)
end

local function seconds(t)
  if type(t) == "string" then
    local s, err = M.parse(t)
    if not s then error(err, 3) end
    return math.floor(s)
  end
  return math.floor(t)
end

function M.day(t) return os.date("!%Y-%m-%d", seconds(t)) end
-- ISO 8601 week: a week belongs to the year that holds its Thursday.
function M.week(t) return os.date("!%G-W%V", seconds(t)) end
function M.month(t) return os.date("!%Y-%m", seconds(t)) end
function M.year(t) return os.date("!%Y", seconds(t)) end

--- "3d 4h", "12m", "45s": a duration for people.
function M.ago(s)
  s = math.max(0, math.floor(s))
  if s >= 86400 then return string.format("%dd %dh", s // 86400, s % 86400 // 3600) end
  if s >= 3600 then return string.format("%dh %dm", s // 3600, s % 3600 // 60) end
  if s >= 60 then return string.format("%dm", s // 60) end
  return string.format("%ds", s)
end

return M
