import BackupsClient
import CLua
import CLuaBridge
import LuaRuntime

/// Records reach Lua as tables with the wire names (`$id`, `$createdAt`...) and read aliases
/// `id`, `createdAt`, `updatedAt` served by a shared metatable, so that `json.encode(record)`
/// gives the wire names only. JSON nulls inside records become nil, so that `if a.size then`
/// means what it says.
enum Records {
    static let metatableKey = "backups.Record"

    static func install(_ state: LuaState) throws {
        try state.load("""
            local aliases = { id = "$id", createdAt = "$createdAt", updatedAt = "$updatedAt" }
            local mt = { __name = "backups.Record" }
            mt.__index = function(t, k)
              local wire = aliases[k]
              if wire then return rawget(t, wire) end
              return nil
            end
            return mt
            """, chunkName: "=[records]")
        try state.pcall(nargs: 0, nresults: 1)
        lua_setfield(state.L, bkup_registryindex(), metatableKey)
    }
}

extension LuaStack {
    /// Pushes a JSON value as Lua data for a script: nulls in objects become nil.
    func pushPlain(_ value: JSONValue) { push(value, nullFieldsAsNil: true) }

    /// Pushes a record (an object with the alias metatable).
    func pushRecord(_ value: JSONValue) {
        pushPlain(value)
        if case .object = value {
            lua_getfield(L, bkup_registryindex(), Records.metatableKey)
            lua_setmetatable(L, -2)
        }
    }

    /// Pushes a list answer `{total=n, <key>={records...}}`.
    func pushList(_ value: JSONValue, key: String) {
        lua_createtable(L, 0, 2)
        lua_pushinteger(L, lua_Integer(value["total"]?.intValue ?? 0))
        setField(-2, "total")
        let items = value[key]?.arrayValue ?? []
        lua_createtable(L, Int32(clamping: items.count), 0)
        for (i, item) in items.enumerated() {
            pushRecord(item)
            lua_rawseti(L, -2, lua_Integer(i + 1))
        }
        markArray(-1)
        setField(-2, key)
    }
}
