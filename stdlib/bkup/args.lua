-- args: a small, strict command-line flag parser for bkup scripts.
--
--   local args = require("bkup.args")
--   local opts = args.parse({...}, {
--     name = "prune-archives.lua",
--     summary = "Prune archives grandfather-father-son.",
--     flags = {
--       { "apply", type = "boolean", help = "delete for real (default: dry run)" },
--       { "daily", type = "integer", default = 7, help = "daily archives to keep" },
--       { "service", type = "string", multiple = true, help = "services to cover" },
--     },
--   })
--
-- Accepts --flag value, --flag=value, --no-flag for booleans, and -- to end flags. Unknown
-- flags, missing values and bad integers are errors that name the flag. --help prints usage
-- and returns nil, so a script can `if not opts then return end`.
local M = {}

-- How the script was started: `bkup run audit` gives arg[0] == "audit", a file its path.
local function invocation(spec)
  local name = spec.name or "script.lua"
  local started = type(rawget(_G, "arg")) == "table" and rawget(arg, 0)
  if type(started) == "string" and started:match("^[%w_-]+$") and name:match("([%w_-]+)%.lua$") == started then
    return "run " .. started
  end
  return name
end

local function usage(spec)
  local lines = {}
  lines[#lines + 1] = "usage: bkup " .. invocation(spec) .. " [flags]" ..
    (spec.positional and (" " .. spec.positional) or "")
  if spec.summary then lines[#lines + 1] = "\n" .. spec.summary end
  lines[#lines + 1] = "\nflags:"
  for _, f in ipairs(spec.flags or {}) do
    local left = "  --" .. f[1]
    if f.type ~= "boolean" then left = left .. " " .. string.upper(f.type or "string") end
    local help = f.help or ""
    if f.default ~= nil then help = help .. " (default: " .. tostring(f.default) .. ")" end
    if f.multiple then help = help .. " (repeatable)" end
    lines[#lines + 1] = string.format("%-28s %s", left, help)
  end
  lines[#lines + 1] = string.format("%-28s %s", "  --help", "show this help")
  return table.concat(lines, "\n")
end
M.usage = usage

local function convert(flag, text)
  local t = flag.type or "string"
  if t == "integer" then
    local n = math.tointeger(tonumber(text))
    if not n then error(string.format("--%s: integer expected, got '%s'", flag[1], text), 0) end
    if flag.min and n < flag.min then
      error(string.format("--%s: must be at least %d, got %d", flag[1], flag.min, n), 0)
    end
    return n
  elseif t == "number" then
    local n = tonumber(text)
    if not n then error(string.format("--%s: number expected, got '%s'", flag[1], text), 0) end
    return n
  elseif t == "boolean" then
    if text == "true" or text == "1" or text == "yes" then return true end
    if text == "false" or text == "0" or text == "no" then return false end
    error(string.format("--%s: true or false expected, got '%s'", flag[1], text), 0)
  end
  if flag.choices then
    for _, c in ipairs(flag.choices) do if c == text then return text end end
    error(string.format("--%s: one of %s expected, got '%s'", flag[1], table.concat(flag.choices, ", "), text), 0)
  end
  return text
end

--- Parses `argv` (a list of strings) by `spec`. Returns a table of values with the
--- positional arguments in `opts.rest`, or nil after printing --help. Raises on bad input.
function M.parse(argv, spec)
  local byName = {}
  for _, f in ipairs(spec.flags or {}) do byName[f[1]] = f end
  local opts = { rest = {} }
  for _, f in ipairs(spec.flags or {}) do
    if f.multiple then opts[f[1]] = {} elseif f.default ~= nil then opts[f[1]] = f.default end
  end
  local i, n = 1, #argv
  local onlyPositional = false
  while i <= n do
    local a = argv[i]
    if onlyPositional or a:sub(1, 2) ~= "--" then
      opts.rest[#opts.rest + 1] = a
    elseif a == "--" then
      onlyPositional = true
    elseif a == "--help" then
      print(usage(spec))
      return nil
    else
      local name, value = a:match("^%-%-([^=]+)=(.*)$")
      if not name then name = a:sub(3) end
      local negated = false
      local flag = byName[name]
      if not flag and name:sub(1, 3) == "no-" and byName[name:sub(4)] and byName[name:sub(4)].type == "boolean" then
        flag, negated = byName[name:sub(4)], true
      end
      if not flag then error(string.format("unknown flag --%s (try --help)", name), 0) end
      local result
      if flag.type == "boolean" then
        if negated then result = false elseif value then result = convert(flag, value) else result = true end
      else
        if value == nil then
          i = i + 1
          value = argv[i]
          if value == nil then error(string.format("--%s needs a value", flag[1]), 0) end
        end
        result = convert(flag, value)
      end
      if flag.multiple then
        local list = opts[flag[1]]
        list[#list + 1] = result
      else
        opts[flag[1]] = result
      end
    end
    i = i + 1
  end
  for _, f in ipairs(spec.flags or {}) do
    if f.required and (opts[f[1]] == nil or (f.multiple and #opts[f[1]] == 0)) then
      error(string.format("--%s is required (try --help)", f[1]), 0)
    end
  end
  return opts
end

--- For a script's own use: prints "name: message" to stderr and exits with status 2 (bad
--- usage), as a command-line tool does. Where os.exit is absent (a sandbox), raises instead.
function M.fail(spec, message)
  local name = (spec and spec.name) or "script"
  if os.exit and io and io.stderr then
    io.stderr:write(string.format("%s: %s\n", name, message))
    os.exit(2)
  end
  error(name .. ": " .. message, 0)
end

--- args.parse for scripts run from the command line: a bad flag is a usage error (message,
--- exit status 2, no traceback) rather than a Lua error.
function M.cli(argv, spec)
  local ok, opts = pcall(M.parse, argv, spec)
  if not ok then M.fail(spec, tostring(opts)) end
  return opts
end

return M
