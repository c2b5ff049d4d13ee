-- view: how the REPL shows a result on a terminal, and the pager behind `it`.
--   view.render(v, {color=, width=}) --> text   a list of records as a table (columns by kind),
--                                               a page of a list with its count, one record as
--                                               aligned fields, anything else as bkup.pretty
--   view.show(text, rows)                       the first screenful; the rest waits for view.more
--   view.showCursor(iter, rows)                 an each() iterator: the first page of records
--   view.more(rows) --> false when nothing waits
local pretty = require("bkup.pretty")

local M = {}

local function isRecord(v)
  local mt = type(v) == "table" and getmetatable(v)
  return type(mt) == "table" and rawget(mt, "__name") == "backups.Record"
end
M.isRecord = isRecord

--- A connection: backups, or what backups.connect, backups.fleet and use() give.
function M.isConnection(v)
  if type(v) ~= "table" then return false end
  local mt = getmetatable(v)
  return type(mt) == "table" and rawget(mt, "__tostring") ~= nil and type(rawget(v, "policies")) == "table"
end

-- A non-empty array whose items are all records.
local function isRecordList(v)
  if type(v) ~= "table" or isRecord(v) or rawget(v, 1) == nil then return false end
  local n = 0
  for _ in next, v do n = n + 1 end
  if n ~= #v then return false end
  for i = 1, n do if not isRecord(rawget(v, i)) then return false end end
  return true
end

-- {total = n, <kind> = {records...}}: what every list() returns.
local function listPage(v)
  if type(v) ~= "table" or getmetatable(v) ~= nil or math.type(rawget(v, "total")) ~= "integer" then return nil end
  local key
  for k in next, v do
    if k ~= "total" then
      if key or type(k) ~= "string" then return nil end
      key = k
    end
  end
  local list = key and rawget(v, key)
  if type(list) ~= "table" or (next(list) ~= nil and not isRecordList(list)) then return nil end
  return key, list
end

local dim = "\27[2m"
local reset = "\27[0m"

local function table_(list, color)
  local text = require("backups.report").render(list)
  if not color then return text end
  -- The header and its rule, dim, as psql draws them apart from the rows.
  local head, rule, rest = text:match("^([^\n]*)\n([^\n]*)(.*)$")
  return dim .. head .. "\n" .. rule .. reset .. rest
end

-- One record: a field a line, names aligned, $id first (pretty's order).
local function fields(record, color)
  local keys = {}
  for k in next, record do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta < tb end
    if a == "$id" or b == "$id" then return a == "$id" end
    local da, db = tostring(a):sub(1, 1) == "$", tostring(b):sub(1, 1) == "$"
    if da ~= db then return da end
    return tostring(a) < tostring(b)
  end)
  local w = 0
  for _, k in ipairs(keys) do w = math.max(w, #tostring(k)) end
  local lines = {}
  for i, k in ipairs(keys) do
    local name = tostring(k)
    local pad = string.rep(" ", w - #name)
    local value = pretty.format(rawget(record, k), { color = color, depth = 2, indent = string.rep(" ", w + 2) })
    if color then name = "\27[33m" .. name .. reset end
    lines[i] = name .. pad .. "  " .. value
  end
  return table.concat(lines, "\n")
end

function M.render(v, opts)
  opts = opts or {}
  local color = opts.color
  if isRecord(v) then return fields(v, color) end
  if isRecordList(v) then return table_(v, color) end
  local key, list = listPage(v)
  if key then
    local count = string.format("%d %s of %d", #list, key, rawget(v, "total"))
    if color then count = dim .. count .. reset end
    if #list == 0 then return count end
    return table_(list, color) .. "\n" .. count
  end
  return pretty.format(v, { color = color })
end

-- The pager: lines not shown yet, and where the next screenful starts.
local waiting, position

-- Rows a line takes on a terminal `width` columns wide (escape codes take none).
local function rowsOf(line, width)
  local plain = line:gsub("\27%[[%d;]*m", "")
  local n = utf8.len(plain) or #plain
  if n == 0 or not width or width <= 0 then return 1 end
  return (n + width - 1) // width
end

local function page(rows, width, color)
  local room = math.max(rows - 3, 1)  -- the line typed above, the note and the next prompt below
  local out, used = {}, 0
  while position <= #waiting do
    local r = rowsOf(waiting[position], width)
    if used > 0 and used + r > room then break end
    out[#out + 1] = waiting[position]
    used = used + r
    position = position + 1
  end
  io.write(table.concat(out, "\n"), "\n")
  if position <= #waiting then
    local left = #waiting - position + 1
    local note = string.format('Type "it" for more (%d more %s)', left, left == 1 and "line" or "lines")
    io.write(color and dim .. note .. reset or note, "\n")
  else
    waiting = nil
  end
end

-- A cursor (an each() iterator) shown a page at a time, and the record read ahead of the page
-- (to know whether there is more).
local cursor, ahead

local function cursorPage(rows, color)
  local batch = math.max(rows - 5, 1)  -- the line typed, the table's header and rule, the note, the prompt
  local items = {}
  if ahead ~= nil then items[1], ahead = ahead, nil end
  while cursor and #items < batch do
    local r = cursor()
    if r == nil then cursor = nil else items[#items + 1] = r end
  end
  if cursor then
    ahead = cursor()
    if ahead == nil then cursor = nil end
  end
  if #items == 0 then
    io.write(color and dim .. "(no records)" .. reset or "(no records)", "\n")
    return
  end
  io.write(isRecordList(items) and table_(items, color) or pretty.format(items, { color = color }), "\n")
  if cursor then io.write(color and dim .. 'Type "it" for more' .. reset or 'Type "it" for more', "\n") end
end

--- Shows a cursor's first page; `it` fetches the next.
function M.showCursor(iter, rows, color)
  waiting, cursor, ahead = nil, iter, nil
  cursorPage(rows, color)
end

--- Shows text, a screenful at most; what does not fit waits for M.more.
function M.show(text, rows, width, color)
  cursor, ahead = nil, nil
  waiting, position = {}, 1
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do waiting[#waiting + 1] = line end
  page(rows, width, color)
end

--- The next screenful; false when nothing waits.
function M.more(rows, width, color)
  if waiting then
    page(rows, width, color)
  elseif cursor then
    cursorPage(rows, color)
  else
    return false
  end
  return true
end

return M
