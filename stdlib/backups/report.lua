-- backups.report: records as tables people read and formats machines read, and summaries.
--
--   backups.report.print(list)                          -- aligned table; columns by record kind
--   backups.report.print(list, {format = "csv"})        -- or "jsonl"; {columns = {"id", "status"}}
--   local text = backups.report.render(list, opts)      -- the same, as a string
--   local s = backups.report.summary(archives)          -- by status, by resource, size, oldest, newest
--   local stale = backups.report.stale(policies, archives, now)  -- schedules that stopped producing
--   print(backups.report.calendar(archives, {days = 90}))  -- outcomes per resource and day
local json = json
local dates = require("bkup.dates")
local check = require("bkup.check")
local pictures = require("backups.pictures")
local schedules = require("backups.schedules")

local M = {}
M.calendar = pictures.calendar
M.sparkline = pictures.sparkline

M.columns = {
  policy = { "$id", "name", "resourceId", "services", "schedule", "retention", "enabled" },
  archive = { "$id", "resourceId", "policyId", "status", "size", "$createdAt" },
  restoration = { "$id", "archiveId", "status", "options", "$createdAt" },
  resource = { "$id", "name", "$createdAt" },
}

--- What a record is, by its fields: "policy", "archive", "restoration" or "resource".
function M.kind(record)
  if record.schedule ~= nil and record.retention ~= nil then return "policy" end
  if record.archiveId ~= nil then return "restoration" end
  if record.status ~= nil and record.services ~= nil then return "archive" end
  return "resource"
end

local function humanSize(n)
  local units = { "B", "KiB", "MiB", "GiB", "TiB" }
  local i = 1
  while n >= 1024 and i < #units do n, i = n / 1024, i + 1 end
  return i == 1 and string.format("%d B", n) or string.format("%.1f %s", n, units[i])
end
M.humanSize = humanSize

-- A cell as text: lists joined, tables as JSON, nothing as empty (or "-" in a table).
local function rawCell(value, column, pretty)
  if value == nil or value == json.null then return pretty and "-" or "" end
  if type(value) == "table" then
    if value[1] ~= nil or next(value) == nil then
      local parts = {}
      for i, v in ipairs(value) do parts[i] = tostring(v) end
      if #parts > 0 or not pretty then return table.concat(parts, ",") end
      return "-"
    end
    return json.encode(value, { sort_keys = true })
  end
  if pretty and column == "size" and math.type(value) then return humanSize(value) end
  if pretty and type(value) == "string" and column:match("At$") then
    local d, t = value:match("^(%d%d%d%d%-%d%d%-%d%d)T(%d%d:%d%d:%d%d)")
    if d then return d .. " " .. t end
  end
  return tostring(value)
end

-- In a table a control character from the service (an escape, a line break in a name) is shown
-- as Lua writes it in a string (\27, \10), never sent to the terminal.
local function cell(value, column, pretty)
  local text = rawCell(value, column, pretty)
  if pretty then text = text:gsub("%c", function(c) return "\\" .. c:byte() end) end
  return text
end

local function header(column)
  return (column:gsub("^%$", ""))
end

local function width(s) return utf8.len(s) or #s end

local function csvField(s)
  if s:find('[,"\r\n]') then return '"' .. s:gsub('"', '""') .. '"' end
  return s
end

local formats = { table = true, csv = true, jsonl = true }

local function checkArgs(records, opts, fname)
  if type(records) ~= "table" then check.expected(records, "list of records", 1, fname, 2) end
  opts = check.options(opts, { format = "string", columns = "list" }, 2, fname, 2)
  local format = opts.format or "table"
  check.arg(formats[format], 2, fname, string.format("format must be table, csv or jsonl, got '%s'", tostring(format)), 2)
  return opts, format
end

--- The records as text: an aligned table (default), "csv" (RFC 4180, with a header row) or
--- "jsonl" (one JSON object per line, wire names). opts.columns picks and orders columns.
function M.render(records, opts)
  local format
  opts, format = checkArgs(records, opts, "render")
  local columns = opts.columns or (records[1] and M.columns[M.kind(records[1])]) or { "$id" }
  local lines = {}
  if format == "jsonl" then
    for _, r in ipairs(records) do
      if opts.columns then
        local o = {}
        for _, c in ipairs(columns) do o[c] = r[c] end
        r = o
      end
      lines[#lines + 1] = json.encode(r, { sort_keys = true })
    end
    return table.concat(lines, "\n")
  end
  if format == "csv" then
    local row = {}
    for i, c in ipairs(columns) do row[i] = csvField(header(c)) end
    lines[1] = table.concat(row, ",")
    for _, r in ipairs(records) do
      row = {}
      for i, c in ipairs(columns) do row[i] = csvField(cell(r[c], c, false)) end
      lines[#lines + 1] = table.concat(row, ",")
    end
    return table.concat(lines, "\r\n")
  end
  local cells, widths, numeric, seen = {}, {}, {}, {}
  for i, c in ipairs(columns) do
    widths[i] = width(header(c))
    numeric[i] = true
  end
  for n, r in ipairs(records) do
    local row = {}
    for i, c in ipairs(columns) do
      local v = r[c]
      row[i] = cell(v, c, true)
      widths[i] = math.max(widths[i], width(row[i]))
      if v ~= nil and v ~= json.null then
        seen[i] = true
        if type(v) ~= "number" then numeric[i] = false end
      end
    end
    cells[n] = row
  end
  local function line(row)
    local parts = {}
    for i, text in ipairs(row) do
      local pad = string.rep(" ", widths[i] - width(text))
      parts[i] = (numeric[i] and seen[i]) and (pad .. text) or (i < #row and text .. pad or text)
    end
    return table.concat(parts, "  ")
  end
  local head, rule = {}, {}
  for i, c in ipairs(columns) do
    head[i] = header(c)
    rule[i] = string.rep("-", widths[i])
  end
  lines[1], lines[2] = line(head), line(rule)
  for _, row in ipairs(cells) do lines[#lines + 1] = line(row) end
  return table.concat(lines, "\n")
end

--- Prints M.render(records, opts).
function M.print(records, opts)
  checkArgs(records, opts, "print")
  print(M.render(records, opts))
end

local Summary = {}
Summary.__index = Summary
function Summary:__tostring()
  local out = {}
  local statuses = {}
  for status, n in pairs(self.byStatus) do statuses[#statuses + 1] = string.format("%s %d", status, n) end
  table.sort(statuses)
  out[1] = string.format("%d archives (%s), %s completed", self.count, table.concat(statuses, ", "), humanSize(self.size))
  if self.oldest then out[2] = string.format("oldest %s, newest %s", self.oldest, self.newest) end
  local ids = {}
  for id in pairs(self.byResource) do ids[#ids + 1] = id end
  table.sort(ids)
  for _, id in ipairs(ids) do
    local r = self.byResource[id]
    out[#out + 1] = string.format("  %-36s %4d archives, %4d failed, %10s, newest %s  %s", id, r.count, r.failed, humanSize(r.size),
      r.newest or "-", pictures.sparkline(r.sizes, { width = 30 }))
  end
  return table.concat(out, "\n")
end

--- Archives summed up: count, byStatus, byResource[id] = {count, completed, failed, size,
--- newest, sizes (of the completed archives, oldest first)}, size (bytes of completed
--- archives), oldest and newest ($createdAt). tostring() draws each resource's sizes as a sparkline.
function M.summary(archives)
  if type(archives) ~= "table" then check.expected(archives, "list of archives", 1, "summary") end
  local s = { count = 0, byStatus = {}, byResource = {}, size = 0 }
  local ordered, at = {}, {}
  for i, a in ipairs(archives) do
    ordered[i] = a
    at[a] = dates.parse(a["$createdAt"]) or 0
  end
  table.sort(ordered, function(x, y) return at[x] < at[y] end)
  for _, a in ipairs(ordered) do
    s.count = s.count + 1
    s.byStatus[a.status] = (s.byStatus[a.status] or 0) + 1
    local key = a.resourceId or "(project)"
    local r = s.byResource[key] or { count = 0, completed = 0, failed = 0, size = 0, sizes = {} }
    s.byResource[key] = r
    r.count = r.count + 1
    if a.status == "completed" then
      r.completed = r.completed + 1
      r.size = r.size + (a.size or 0)
      s.size = s.size + (a.size or 0)
      r.sizes[#r.sizes + 1] = a.size or 0
    elseif a.status == "failed" then
      r.failed = r.failed + 1
    end
    local created = a["$createdAt"]
    if not r.newest or created > r.newest then r.newest = created end
    if not s.oldest or dates.parse(created) < dates.parse(s.oldest) then s.oldest = created end
    if not s.newest or dates.parse(created) > dates.parse(s.newest) then s.newest = created end
  end
  return setmetatable(s, Summary)
end

--- Enabled policies whose schedule stopped producing: the newest of their runs whose time is
--- over was missed (backups.schedules' rule, the audit's and the calendar's). `now` is an ISO
--- date (default: the service's clock). Returns a list of {policy=, last=ISO of the policy's
--- newest archive or nil, expected=ISO of that run}.
function M.stale(policies, archives, now)
  if type(policies) ~= "table" then check.expected(policies, "list of policies", 1, "stale") end
  if type(archives) ~= "table" then check.expected(archives, "list of archives", 2, "stale") end
  now = now or backups.now()
  local newest = {}
  for _, a in ipairs(archives) do
    local id, at = a.policyId, dates.parse(a["$createdAt"])
    if id and (not newest[id] or at > newest[id]) then newest[id] = at end
  end
  local out = {}
  for _, m in ipairs(schedules.missed(policies, archives, now)) do
    local p = m.policy
    local closed
    for _, run in ipairs(schedules.runs(p, archives, now, dates.parse(m.at))) do
      if run.state ~= "pending" then closed = run end
    end
    if closed and closed.state == "missed" then
      local last = newest[p["$id"]]
      out[#out + 1] = { policy = p, last = last and dates.format(last) or nil, expected = dates.format(closed.at) }
    end
  end
  return out
end

return M
