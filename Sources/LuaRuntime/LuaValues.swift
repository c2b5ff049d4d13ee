import BkupJSON
import CLua
import CLuaBridge

/// A view of one Lua thread's stack: the main thread's, or a coroutine's inside a call.
/// Every operation is raw (no metamethods run) and never raises.
public struct LuaStack {
    package let L: OpaquePointer
    package init(_ L: OpaquePointer) { self.L = L }

    public var top: Int32 { lua_gettop(L) }
    public func setTop(_ n: Int32) { lua_settop(L, n) }
    public func pop(_ n: Int32 = 1) { bkup_pop(L, n) }

    public func typeName(at index: Int32) -> String {
        String(cString: lua_typename(L, lua_type(L, index)))
    }

    public func type(at index: Int32) -> LuaType { LuaType(lua_type(L, index)) }

    /// Removes the value at `index`, shifting the ones above it down.
    public func remove(at index: Int32) { bkup_remove(L, index) }
    /// Moves the top value to `index`, shifting the values above it up.
    public func insert(at index: Int32) { lua_rotate(L, index, 1) }
    public func pushCopy(of index: Int32) { lua_pushvalue(L, index) }

    /// Compiles (mode "t") or undumps (mode "b") a chunk and pushes the function, on this
    /// stack's own thread. lua_load is protected: it reports errors by status.
    public func load(bytes: [UInt8], chunkName: String, mode: String) throws {
        let status = bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(buf.count, 1)) { p in
                luaL_loadbufferx(L, p, buf.count, chunkName, mode)
            }
        }
        if status != LUA_OK {
            let message = bkup_tostring(L, -1).map { String(cString: $0) } ?? "cannot load chunk"
            bkup_pop(L, 1)
            throw LuaError(kind: status == LUA_ERRMEM ? .memory : .syntax, message: message)
        }
    }

    /// Pushes a new table with room for `array` items and `fields` fields.
    public func pushTable(array: Int = 0, fields: Int = 0) {
        lua_createtable(L, Int32(clamping: array), Int32(clamping: fields))
    }

    public func push(_ value: Bool) { lua_pushboolean(L, value ? 1 : 0) }
    public func push(_ value: Int64) { lua_pushinteger(L, lua_Integer(value)) }
    public func push(_ value: Double) { lua_pushnumber(L, value) }
    public func pushNil() { lua_pushnil(L) }

    /// Sets `t[i] = value on top` (raw) for the table at `table`; pops the value.
    public func setIndex(_ table: Int32, _ i: Int) {
        lua_rawseti(L, lua_absindex(L, table), lua_Integer(i))
    }

    /// Pushes a list of values as a Lua array (with the array marker).
    public func push<S: Sequence>(list items: S, _ pushItem: (LuaStack, S.Element) -> Void) {
        pushTable(array: items.underestimatedCount)
        var i = 0
        for item in items {
            i += 1
            pushItem(self, item)
            setIndex(-2, i)
        }
        markArray(-1)
    }

    /// Stores the value on top (popped) in the registry under `key` (a raw set: no metamethod
    /// runs, whatever Lua code did to the registry).
    public func setRegistry(_ key: String) {
        pushString(key)
        bkup_insert(L, -2)
        lua_rawset(L, bkup_registryindex())
    }

    /// Pushes the registry's value under `key` (raw); returns its type.
    @discardableResult
    public func pushRegistry(_ key: String) -> LuaType {
        pushString(key)
        return LuaType(lua_rawget(L, bkup_registryindex()))
    }

    /// Sets the metatable of the table at `index` to the registry's value under `key`.
    public func setMetatable(_ index: Int32, registryKey key: String) {
        let t = lua_absindex(L, index)
        pushRegistry(key)
        lua_setmetatable(L, t)
    }

    /// Pops the value on top into a registry reference.
    public func popRef() -> LuaRef {
        LuaRef(owner: LuaState.from(L), ref: luaL_ref(L, bkup_registryindex()))
    }

    /// A reference to the value at `index` (not popped).
    public func ref(at index: Int32) -> LuaRef {
        lua_pushvalue(L, index)
        return popRef()
    }

    /// Sets `t[key] = value on top` (raw) for the table at `table`; pops the value.
    public func setField(_ table: Int32, _ key: String) {
        let t = lua_absindex(L, table)
        pushString(key)
        bkup_insert(L, -2)
        lua_rawset(L, t)
    }

    /// Pushes `t[key]` (raw) for the table at `table`; returns its type.
    @discardableResult
    public func rawField(_ table: Int32, _ key: String) -> LuaType {
        let t = lua_absindex(L, table)
        pushString(key)
        return LuaType(lua_rawget(L, t))
    }

    /// Pushes a Swift closure as a Lua function.
    public func push(function: @escaping LuaFunction) {
        let box = Unmanaged.passRetained(SwiftFunctionBox(function)).toOpaque()
        bkup_push_swift_function(L, box)
    }

    /// Pushes a Swift object as a userdata of a registered class (retained until `__gc`).
    public func push<T: AnyObject>(object: T, className: String) {
        bkup_push_object(L, Unmanaged.passRetained(object as AnyObject).toOpaque(), className)
    }

    /// `tostring(v)` run protected (it may call `__tostring`); never raises into Swift.
    public func describe(at index: Int32) -> String {
        if lua_type(L, index) == LUA_TSTRING {
            return String(decoding: bytes(at: index) ?? [], as: UTF8.self)
        }
        if bkup_ptostring(L, index) == LUA_OK, let s = bytes(at: -1) {
            bkup_pop(L, 1)
            return String(decoding: s, as: UTF8.self)
        }
        bkup_pop(L, 1)
        return "(error object is a \(typeName(at: index)) value)"
    }

    /// An error value as lua.c words it: strings and numbers as they are, values with a
    /// `__tostring` through it, anything else as "(error object is a table value)".
    public func errorMessage(at index: Int32) -> String {
        let t = lua_type(L, index)
        if t == LUA_TSTRING || t == LUA_TNUMBER { return describe(at: index) }
        if luaL_getmetafield(L, index, "__tostring") != LUA_TNIL {
            bkup_pop(L, 1)
            return describe(at: index)
        }
        return "(error object is a \(typeName(at: index)) value)"
    }

    /// The Swift object held by a bkup userdata at `index`, whatever its class.
    public func userdataObject(at index: Int32) -> AnyObject? {
        guard let raw = bkup_any_object(L, index) else { return nil }
        return Unmanaged<AnyObject>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Pushes the `json.null` sentinel.
    public func pushNull() { lua_pushlightuserdata(L, bkup_null_sentinel()) }

    /// Pushes the shared array-marker metatable.
    public func pushArrayMarker() { lua_rawgetp(L, bkup_registryindex(), bkup_array_marker_key()) }

    /// Tags the table at `index` as an array (so that an empty one encodes as `[]`).
    public func markArray(_ index: Int32) {
        let t = lua_absindex(L, index)
        pushArrayMarker()
        lua_setmetatable(L, t)
    }

    public func isNull(at index: Int32) -> Bool {
        lua_type(L, index) == LUA_TLIGHTUSERDATA && lua_touserdata(L, index) == bkup_null_sentinel()
    }

    func hasArrayMarker(_ index: Int32) -> Bool {
        guard lua_getmetatable(L, index) != 0 else { return false }
        pushArrayMarker()
        let same = lua_rawequal(L, -1, -2) != 0
        bkup_pop(L, 2)
        return same
    }

    /// Pushes a JSON value. Arrays carry the array marker so that they round-trip; null is
    /// `json.null`, or, with `nullFieldsAsNil`, an absent field in objects (so that scripts can
    /// write `if record.size then`). `metatable` names, for an object, the registry key of the
    /// metatable its table gets (records' read aliases), or nil for none.
    public func push(_ value: JSONValue, nullFieldsAsNil: Bool = false, metatable: (([String: JSONValue]) -> String?)? = nil) {
        _ = lua_checkstack(L, 8)
        switch value {
        case .null: pushNull()
        case .bool(let b): lua_pushboolean(L, b ? 1 : 0)
        case .integer(let i): lua_pushinteger(L, lua_Integer(i))
        case .number(let d): lua_pushnumber(L, d)
        case .string(let s): pushString(s)
        case .array(let items):
            lua_createtable(L, Int32(clamping: items.count), 0)
            for (i, item) in items.enumerated() {
                push(item, nullFieldsAsNil: nullFieldsAsNil, metatable: metatable)
                lua_rawseti(L, -2, lua_Integer(i + 1))
            }
            markArray(-1)
        case .object(let fields):
            lua_createtable(L, 0, Int32(clamping: fields.count))
            for (key, item) in fields where !(nullFieldsAsNil && item.isNull) {
                pushString(key)
                push(item, nullFieldsAsNil: nullFieldsAsNil, metatable: metatable)
                lua_rawset(L, -3)
            }
            if let key = metatable?(fields) { setMetatable(-1, registryKey: key) }
        }
    }

    /// Pushes a Swift string as Lua bytes (embedded NULs included).
    public func pushString(_ s: String) {
        var s = s
        s.withUTF8 { buf in
            buf.withMemoryRebound(to: CChar.self) { p in
                _ = lua_pushlstring(L, p.baseAddress, p.count)
            }
        }
    }

    /// The Lua string at `index` as bytes.
    public func bytes(at index: Int32) -> [UInt8]? {
        var len = 0
        guard lua_type(L, index) == LUA_TSTRING || lua_type(L, index) == LUA_TNUMBER,
            let p = lua_tolstring(L, index, &len)
        else { return nil }
        return p.withMemoryRebound(to: UInt8.self, capacity: len) { Array(UnsafeBufferPointer(start: $0, count: len)) }
    }

    /// Converts the Lua value at `index` to JSON, as ARCHITECTURE.md's values rule says: a table with keys
    /// 1..n is an array, one with string keys an object, an empty table an object unless it
    /// carries the array marker; mixed or sparse tables, cycles, depth over 1000, non-UTF-8
    /// strings and functions/threads/userdata are conversion errors.
    public func value(at index: Int32) throws(LuaConversionError) -> JSONValue {
        var path: Set<UnsafeRawPointer> = []
        return try value(at: lua_absindex(L, index), depth: 0, path: &path)
    }

    private func value(at index: Int32, depth: Int, path: inout Set<UnsafeRawPointer>) throws(LuaConversionError)
        -> JSONValue
    {
        switch lua_type(L, index) {
        case LUA_TNIL, LUA_TNONE: return .null
        case LUA_TBOOLEAN: return .bool(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            if lua_isinteger(L, index) != 0 { return .integer(Int64(bkup_tointeger(L, index))) }
            return .number(bkup_tonumber(L, index))
        case LUA_TSTRING:
            let bytes = bytes(at: index)!
            guard let s = String(validating: bytes, as: UTF8.self) else {
                throw LuaConversionError("string is not valid UTF-8")
            }
            return .string(s)
        case LUA_TLIGHTUSERDATA where isNull(at: index):
            return .null
        case LUA_TTABLE:
            return try tableValue(at: index, depth: depth, path: &path)
        default:
            throw LuaConversionError("cannot convert a \(typeName(at: index)) value")
        }
    }

    private func tableValue(at index: Int32, depth: Int, path: inout Set<UnsafeRawPointer>) throws(LuaConversionError)
        -> JSONValue
    {
        guard depth < JSONCodec.maxDepth else {
            throw LuaConversionError("table nested deeper than \(JSONCodec.maxDepth)")
        }
        let identity = lua_topointer(L, index)!
        guard path.insert(identity).inserted else {
            throw LuaConversionError("table contains a cycle")
        }
        defer { path.remove(identity) }
        guard lua_checkstack(L, 4) != 0 else { throw LuaConversionError("Lua stack overflow") }

        let markedArray = hasArrayMarker(index)
        // First pass: classify the keys.
        var count = 0
        var intKeys = 0
        var maxIndex: Int64 = 0
        var stringKeys = 0
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            count += 1
            if lua_isinteger(L, -2) != 0 {
                intKeys += 1
                maxIndex = max(maxIndex, Int64(bkup_tointeger(L, -2)))
            } else if lua_type(L, -2) == LUA_TSTRING {
                stringKeys += 1
            }
            bkup_pop(L, 1)
        }
        if count == 0 { return markedArray ? .array([]) : .object([:]) }
        if intKeys == count {
            guard maxIndex == Int64(count) else {
                throw LuaConversionError("table is a sparse array (\(count) items, highest index \(maxIndex))")
            }
            var items: [JSONValue] = []
            items.reserveCapacity(count)
            for i in 1...count {
                lua_rawgeti(L, index, lua_Integer(i))
                defer { bkup_pop(L, 1) }
                items.append(try value(at: lua_gettop(L), depth: depth + 1, path: &path))
            }
            return .array(items)
        }
        guard stringKeys == count else {
            if intKeys > 0 && stringKeys > 0 {
                throw LuaConversionError("table mixes array items and string keys")
            }
            throw LuaConversionError("table has keys that are neither strings nor integers")
        }
        if markedArray { throw LuaConversionError("array has string keys") }
        var fields: [String: JSONValue] = [:]
        fields.reserveCapacity(count)
        lua_pushnil(L)
        while lua_next(L, index) != 0 {
            // Keys are strings here, so lua_tolstring does not change them (lua_next stays valid).
            guard let keyBytes = bytes(at: -2), let key = String(validating: keyBytes, as: UTF8.self) else {
                bkup_pop(L, 2)
                throw LuaConversionError("table key is not valid UTF-8")
            }
            do {
                fields[key] = try value(at: lua_gettop(L), depth: depth + 1, path: &path)
            } catch {
                bkup_pop(L, 2)
                throw LuaConversionError("\(key): \(error.description)")
            }
            bkup_pop(L, 1)
        }
        return .object(fields)
    }
}
