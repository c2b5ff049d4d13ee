-- backups.doctor(): is this configuration able to work? One line per step, from the endpoint's
-- URL to the key's scopes, the clock and the latency, each with what to do when it fails.
--
--   local report = backups.doctor()
--   print(report)                 -- the checklist
--   report.ok, report.checks      -- {name=, status="pass"|"warn"|"fail"|"skip", detail=, hint=}
local M = {}

local MARKS = { pass = "✔", warn = "⚠", fail = "✘", skip = "-" }

local Report = {}
Report.__index = Report

--- The checklist as lines.
function Report:lines()
  local out = { string.format("bkup doctor: %s, project %s", self.endpoint ~= "" and self.endpoint or "(no endpoint)",
    self.project ~= "" and self.project or "(none)") }
  local width = 0
  for _, c in ipairs(self.checks) do width = math.max(width, #c.name) end
  local failed = 0
  for _, c in ipairs(self.checks) do
    out[#out + 1] = string.format("%s %-" .. width .. "s  %s", MARKS[c.status] or "?", c.name, c.detail)
    if c.hint and (c.status == "fail" or c.status == "warn") then
      out[#out + 1] = string.rep(" ", width + 4) .. "→ " .. c.hint
    end
    if c.status == "fail" then failed = failed + 1 end
  end
  out[#out + 1] = failed == 0 and "every check passed" or string.format("%d of %d checks failed", failed, #self.checks)
  return out
end

function Report:__tostring()
  return table.concat(self:lines(), "\n")
end

--- The host's report (a plain table) as a Report.
function M.wrap(report)
  return setmetatable(report, Report)
end

return M
