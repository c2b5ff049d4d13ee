-- pretty: readable, bounded rendering of any Lua value (the REPL prints results with it).
--   pretty.format(v, {color = bool, depth = 4, width = 40, indent = "  "}) --> string
-- Nested tables are indented, short arrays stay on one line, cycles are marked, depth and width
-- are limited, records are summarised with $id first, backups.Error values show type, code and
-- message. Nothing here calls a metamethod except __tostring (of userdata, and of tables that
-- have one: a connection reads as its tostring).
local M = {}

local palette = {
  string = "\27[32m", number = "\27[36m", boolean = "\27[35m", null = "\27[2m", key = "\27[33m",
  dim = "\27[2m", err = "\27[31m", fn = "\27[34m", reset = "\27[0m",
}

local escapes = { ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t", ['"'] = '\\"', ["\\"] = "\\\\" }
local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return escapes[c] or string.format("\\%03d", c:byte()) end) .. '"'
end
M.quote = quote

local function isIdentifier(k)
  return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil
end

local function sortedKeys(t)
  local keys = {}
  for k in next, t do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    local ta, tb = type(a), type(b)
    if ta ~= tb then return ta < tb end
    if ta == "string" then
      local sa, sb = a:sub(1, 1) == "$", b:sub(1, 1) == "$"
      if a == "$id" then return true elseif b == "$id" then return false end
      if sa ~= sb then return sb end
    end
    if ta == "number" or ta == "string" then return a < b end
    return tostring(a) < tostring(b)
  end)
  return keys
end

local function arrayLength(t)
  local n = 0
  for _ in next, t do n = n + 1 end
  for i = 1, n do if rawget(t, i) == nil then return nil end end
  return n
end

function M.format(value, opts)
  opts = opts or {}
  local color = opts.color
  local maxDepth, width, indentUnit = opts.depth or 4, opts.width or 40, opts.indent or "  "
  local function paint(kind, s)
    if color and palette[kind] then return palette[kind] .. s .. palette.reset end
    return s
  end
  local seen = {}

  local function scalar(v)
    local t = type(v)
    if t == "string" then return paint("string", quote(v)) end
    if t == "number" then
      if math.type(v) == "float" and v == math.floor(v) and v > -1e15 and v < 1e15 then
        return paint("number", string.format("%.1f", v))
      end
      return paint("number", tostring(v))
    end
    if t == "boolean" then return paint("boolean", tostring(v)) end
    if t == "nil" then return paint("null", "nil") end
    if v == json.null then return paint("null", "json.null") end
    if t == "userdata" then
      local mt = getmetatable(v)
      local name = type(mt) == "table" and rawget(mt, "__name")
      if name == "backups.Error" then return paint("err", "backups.Error " .. tostring(v)) end
      if type(mt) == "table" and rawget(mt, "__tostring") then return paint("dim", tostring(v)) end
      return paint("dim", (name or "userdata") .. ": " .. string.format("%p", v))
    end
    if t == "function" then
      local doc = M.describeFunction and M.describeFunction(v)
      return paint("fn", doc or ("function: " .. string.format("%p", v)))
    end
    return paint("dim", t .. ": " .. string.format("%p", v))
  end

  -- A table that says how it reads (a connection, a summary, an audit) reads that way.
  local function told(v)
    local mt = getmetatable(v)
    if type(mt) ~= "table" or type(rawget(mt, "__tostring")) ~= "function" then return nil end
    local ok, s = pcall(tostring, v)
    return ok and type(s) == "string" and s or nil
  end

  local render
  local function inline(v, depth)
    if type(v) ~= "table" then return scalar(v) end
    local described = told(v)
    if described then
      if described:find("\n") then return nil end  -- several lines: render's, not inline
      return described
    end
    if seen[v] then return paint("dim", "<cycle>") end
    if depth >= maxDepth then return paint("dim", "{...}") end
    local n = arrayLength(v)
    local parts = {}
    seen[v] = true
    if n then
      for i = 1, math.min(n, width) do
        local item = v[i]
        if type(item) == "table" then seen[v] = nil return nil end
        parts[#parts + 1] = scalar(item)
      end
      if n > width then parts[#parts + 1] = paint("dim", string.format("... (%d more)", n - width)) end
    else
      local keys = sortedKeys(v)
      if #keys > 6 then seen[v] = nil return nil end
      for _, k in ipairs(keys) do
        local item = rawget(v, k)
        if type(item) == "table" then
          local s = inline(item, depth + 1)
          if not s then seen[v] = nil return nil end
          parts[#parts + 1] = (isIdentifier(k) and paint("key", k) or "[" .. scalar(k) .. "]") .. " = " .. s
        else
          parts[#parts + 1] = (isIdentifier(k) and paint("key", k) or "[" .. scalar(k) .. "]") .. " = " .. scalar(item)
        end
      end
    end
    seen[v] = nil
    local s = "{" .. table.concat(parts, ", ") .. "}"
    if #s:gsub("\27%[[%d;]*m", "") > 100 then return nil end
    return s
  end

  render = function(v, depth, indent)
    if type(v) ~= "table" then return scalar(v) end
    local described = told(v)
    if described then return described end
    if seen[v] then return paint("dim", "<cycle>") end
    if depth >= maxDepth then return paint("dim", "{...}") end
    local one = inline(v, depth)
    if one then return one end
    seen[v] = true
    local inner = indent .. indentUnit
    local lines = {}
    local n = arrayLength(v)
    local mt = getmetatable(v)
    local header = ""
    if type(mt) == "table" and rawget(mt, "__name") == "backups.Record" then
      header = paint("dim", "-- record " .. tostring(rawget(v, "$id"))) .. "\n" .. inner
    end
    local count = 0
    if n then
      for i = 1, n do
        count = count + 1
        if count > width then lines[#lines + 1] = inner .. paint("dim", string.format("... (%d more)", n - width)) break end
        lines[#lines + 1] = inner .. render(v[i], depth + 1, inner)
      end
    else
      local keys = sortedKeys(v)
      for _, k in ipairs(keys) do
        count = count + 1
        if count > width then lines[#lines + 1] = inner .. paint("dim", string.format("... (%d more)", #keys - width)) break end
        local key = isIdentifier(k) and paint("key", k) or "[" .. scalar(k) .. "]"
        lines[#lines + 1] = inner .. key .. " = " .. render(rawget(v, k), depth + 1, inner)
      end
    end
    seen[v] = nil
    if header ~= "" then
      return "{ " .. header:gsub("\n" .. inner .. "$", "") .. "\n" .. table.concat(lines, ",\n") .. "\n" .. indent .. "}"
    end
    return "{\n" .. table.concat(lines, ",\n") .. "\n" .. indent .. "}"
  end

  return render(value, 0, "")
end

--- Formats several values (a call's results) separated by tabs.
function M.formatAll(values, n, opts)
  local parts = {}
  for i = 1, n do parts[i] = M.format(values[i], opts) end
  return table.concat(parts, "\t")
end

return M
