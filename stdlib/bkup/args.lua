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
-- flags, missing values and bad values are errors that name the flag. --help prints usage
-- and returns nil, so a script can `if not opts then return end`.
--
-- Every value is checked here, against its flag's type, for every script alike: "string" (the
-- default; `choices = {...}` limits it), "integer" and "number" (`min`, `max`), "boolean", "cron"
-- (a schedule, as the service validates it) and "id" (a record ID). `required = true` flags
-- must be given. A converging script names the spec it converges to with required flags, and may
-- offer the built-in one explicitly: `defaults = {schedule = "0 2 * * *", retention = 30}` in the
-- spec adds --defaults, which gives those values to the flags not given.
local M = {}
local cron, ID = cron, ID

-- How the script was started: `bkup run audit` gives arg[0] == "audit", a file its path.
local function invocation(spec)
  local name = spec.name or "script.lua"
  local started = type(rawget(_G, "arg")) == "table" and rawget(arg, 0)
  if type(started) == "string" and started:match("^[%w_-]+$") and name:match("([%w_-]+)%.lua$") == started then
    return "run " .. started
  end
  return name
end

-- The spec's flags, with --defaults when the spec has defaults.
local function flagsOf(spec)
  local flags = spec.flags or {}
  if not spec.defaults then return flags end
  local all, given = {}, {}
  for i, f in ipairs(flags) do all[i] = f end
  for _, f in ipairs(flags) do
    if spec.defaults[f[1]] ~= nil then
      local v = spec.defaults[f[1]]
      given[#given + 1] = string.format("--%s %s", f[1], type(v) == "string" and ("'" .. v .. "'") or tostring(v))
    end
  end
  all[#all + 1] = { "defaults", type = "boolean", help = "converge to the built-in spec: " .. table.concat(given, " ") }
  return all
end

local function usage(spec)
  local lines = {}
  lines[#lines + 1] = "usage: bkup " .. invocation(spec) .. " [flags]" ..
    (spec.positional and (" " .. spec.positional) or "")
  if spec.summary then lines[#lines + 1] = "\n" .. spec.summary end
  lines[#lines + 1] = "\nflags:"
  for _, f in ipairs(flagsOf(spec)) do
    local left = "  --" .. f[1]
    if f.type ~= "boolean" then left = left .. " " .. string.upper(f.type or "string") end
    local help = f.help or ""
    if f.choices then help = help .. " (" .. table.concat(f.choices, "|") .. ")" end
    if f.min and f.max then
      help = help .. string.format(" (%s to %s)", f.min, f.max)
    elseif f.min or f.max then
      help = help .. (f.min and " (at least " .. f.min .. ")" or " (at most " .. f.max .. ")")
    end
    if f.default ~= nil then help = help .. " (default: " .. tostring(f.default) .. ")" end
    if f.required then help = help .. (spec.defaults and spec.defaults[f[1]] ~= nil and " (required, or --defaults)" or " (required)") end
    if f.multiple then help = help .. " (repeatable)" end
    lines[#lines + 1] = string.format("%-28s %s", left, help)
  end
  lines[#lines + 1] = string.format("%-28s %s", "  --help", "show this help")
  return table.concat(lines, "\n")
end
M.usage = usage

local function bounded(flag, n)
  if flag.min and n < flag.min then
    error(string.format("--%s: must be at least %s, got %s", flag[1], flag.min, n), 0)
  end
  if flag.max and n > flag.max then
    error(string.format("--%s: must be at most %s, got %s", flag[1], flag.max, n), 0)
  end
  return n
end

local function convert(flag, text)
  local t = flag.type or "string"
  if t == "integer" then
    local n = math.tointeger(tonumber(text))
    if not n then error(string.format("--%s: integer expected, got '%s'", flag[1], text), 0) end
    return bounded(flag, n)
  elseif t == "number" then
    local n = tonumber(text)
    if not n or n ~= n or n == math.huge or n == -math.huge then
      error(string.format("--%s: number expected, got '%s'", flag[1], text), 0)
    end
    return bounded(flag, n)
  elseif t == "cron" then
    local ok, why = cron.validate(text)
    if not ok then error(string.format("--%s '%s': %s", flag[1], text, why), 0) end
    return text
  elseif t == "id" then
    if not ID.valid(text) then
      error(string.format("--%s '%s': not a valid ID (at most 36 of a-z, A-Z, 0-9, period, hyphen, underscore, "
        .. "not starting with a special character)", flag[1], text), 0)
    end
    return text
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

-- Reads argv by spec: the values, or nil after printing --help. Raises on a bad flag or value.
local function read(argv, spec)
  local flags = flagsOf(spec)
  local byName = {}
  for _, f in ipairs(flags) do byName[f[1]] = f end
  local opts = { rest = {} }
  for _, f in ipairs(flags) do
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
  return opts
end

-- What is missing: a message naming the required flags not given (after --defaults), or nil.
local function missing(opts, spec)
  local names = {}
  for _, f in ipairs(spec.flags or {}) do
    local absent = opts[f[1]] == nil or (f.multiple and #opts[f[1]] == 0)
    if absent and opts.defaults and spec.defaults and spec.defaults[f[1]] ~= nil then opts[f[1]] = spec.defaults[f[1]] end
    absent = opts[f[1]] == nil or (f.multiple and #opts[f[1]] == 0)
    if f.required and absent then names[#names + 1] = "--" .. f[1] end
  end
  if #names == 0 then return nil end
  local what = #names == 1 and (names[1] .. " is required") or (table.concat(names, " and ") .. " are required")
  return what .. (spec.defaults and " (or --defaults for the built-in spec)" or "")
end

--- Parses `argv` (a list of strings) by `spec`. Returns a table of values with the
--- positional arguments in `opts.rest`, or nil after printing --help. Raises on bad input.
function M.parse(argv, spec)
  local opts = read(argv, spec)
  local why = opts and missing(opts, spec)
  if why then error(why .. " (try --help)", 0) end
  return opts
end

--- For a script's own use: prints "name: message" (and with `withUsage`, the usage) to stderr
--- and exits with status 2 (bad usage), as a command-line tool does. Where os.exit is absent (a
--- sandbox), raises instead.
function M.fail(spec, message, withUsage)
  local name = (spec and spec.name) or "script"
  if os.exit and io and io.stderr then
    io.stderr:write(string.format("%s: %s\n", name, message))
    if withUsage then io.stderr:write("\n", usage(spec), "\n") end
    os.exit(2)
  end
  error(name .. ": " .. message, 0)
end

--- args.parse for scripts run from the command line: a bad flag or value is a usage error
--- (message, exit status 2, no traceback) rather than a Lua error; missing required flags show
--- the usage too.
function M.cli(argv, spec)
  local ok, opts = pcall(read, argv, spec)
  if not ok then M.fail(spec, tostring(opts)) end
  local why = opts and missing(opts, spec)
  if why then M.fail(spec, why, true) end
  return opts
end

return M
