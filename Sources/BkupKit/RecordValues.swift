import LuaRuntime

/// Records reach Lua as tables with the wire names (`$id`, `$createdAt`...) and read aliases
/// `id`, `createdAt`, `updatedAt` served by a shared metatable, so that `json.encode(record)`
/// gives the wire names only. JSON nulls inside records become nil, so that `if a.size then`
/// means what it says.
enum RecordValues {
    static let metatableKey = "backups.Record"

    static func install(_ state: LuaState) throws {
        try EmbeddedChunks.run("bkup._records", in: state, nresults: 1)
        state.stack.setRegistry(metatableKey)
    }
}

extension LuaStack {
    /// Pushes a JSON value as Lua data for a script: nulls in objects become nil.
    func pushPlain(_ value: JSONValue) { push(value, nullFieldsAsNil: true) }

    /// Pushes a record (an object with the alias metatable).
    func pushRecord(_ value: JSONValue) {
        pushPlain(value)
        if case .object = value { setMetatable(-1, registryKey: RecordValues.metatableKey) }
    }

    /// Pushes a host function's result as the API's own answers are: nulls in tables absent,
    /// every object with a `$id` a record with its read aliases, a null result as nil.
    func pushResult(_ value: JSONValue) {
        if value.isNull { return pushNil() }
        push(value, nullFieldsAsNil: true) { fields in fields["$id"]?.stringValue != nil ? RecordValues.metatableKey : nil }
    }

    /// Pushes a list answer `{total=n, <key>={records...}}`.
    func pushList(_ value: JSONValue, key: String) {
        pushTable(fields: 2)
        push(value["total"]?.intValue ?? 0)
        setField(-2, "total")
        push(list: value[key]?.arrayValue ?? []) { s, item in s.pushRecord(item) }
        setField(-2, key)
    }
}
