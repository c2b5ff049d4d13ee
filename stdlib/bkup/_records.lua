-- The metatable of records: read aliases id, createdAt, updatedAt for the wire names, which
-- stay the only keys (so json.encode(record) gives the wire names only).
local aliases = { id = "$id", createdAt = "$createdAt", updatedAt = "$updatedAt" }
local mt = { __name = "backups.Record" }
mt.__index = function(t, k)
  local wire = aliases[k]
  if wire then return rawget(t, wire) end
  return nil
end
return mt
