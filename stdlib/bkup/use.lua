-- use: the REPL's `use`, as mongosh's `use` and psql's `\c`: the REPL's `backups` becomes
-- another project (or endpoint), and the prompt names it.
--   use("staging")                 backups.connect{project = "staging"}: this endpoint and key
--   use{endpoint=, project=, ...}  backups.connect's settings (its rules for endpoints and keys)
--   use(connection)                a connection of backups.connect or backups.fleet
--   use()                          says which is current; use(false) goes back to the first
local check = require("bkup.check")
local M = {}

local isConnection = require("bkup.view").isConnection

-- What the prompt says: host/project, or emulator/project on the embedded emulator.
local function label(conn, first, firstLabel)
  local c = conn.config
  if firstLabel == "emulator" and c.endpoint == first.config.endpoint then return "emulator/" .. c.project end
  local host = c.endpoint:gsub("^%a[%w+.-]*://", ""):gsub("/.*$", "")
  return host .. "/" .. c.project
end

function M.install(repl)
  local first = rawget(_G, "backups")
  function _G.use(target)
    if target == nil then
      print("using " .. tostring(rawget(_G, "backups")))
      return
    end
    local conn
    if target == false then
      conn = first
    elseif type(target) == "string" then
      -- It becomes the prompt and a header: a project ID as Appwrite spells one, said now.
      check.arg(#target <= 36 and target:match("^[%w][%w._-]*$") ~= nil, 1, "use",
        "a project ID expected (letters, digits, . _ -, at most 36), got " .. string.format("%q", target), 2)
      conn = rawget(_G, "backups").connect({ project = target })
    elseif isConnection(target) then
      conn = target
    elseif type(target) == "table" then
      conn = rawget(_G, "backups").connect(target)
    else
      check.expected(target, "project ID, connection or settings", 1, "use", 2)
    end
    repl.track(conn)
    _G.backups = conn
    repl.label = conn ~= first and label(conn, first, repl.defaultLabel) or nil
    print("using " .. tostring(conn))
  end
end

return M
