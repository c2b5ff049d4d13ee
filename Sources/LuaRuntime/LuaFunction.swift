import BkupJSON
import CLua
import CLuaBridge

/// A Swift function callable from Lua. It reads its arguments and pushes its results through
/// `LuaCall`, and returns how many results it pushed (or asks to yield).
public typealias LuaFunction = (LuaCall) throws -> LuaReturn

/// What a Swift function tells the trampoline.
public struct LuaReturn: Sendable {
    let raw: Int32
    public static let none = LuaReturn(raw: 0)
    public static func values(_ count: Int32) -> LuaReturn { LuaReturn(raw: count) }
    /// Suspend the calling coroutine; the scheduler resumes it with (ok, values...).
    public static let yield = LuaReturn(raw: BKUP_STATUS_YIELD)
}

final class SwiftFunctionBox {
    let function: LuaFunction
    init(_ function: @escaping LuaFunction) { self.function = function }
}

/// The one entry from C into Swift. Errors become statuses; C raises after this returns.
let swiftDispatch: bkup_dispatch_fn = { L, ctx in
    let L = L!
    // The box is kept alive by the Lua closure that is calling it: no retain/release needed.
    return Unmanaged<SwiftFunctionBox>.fromOpaque(ctx!)._withUnsafeGuaranteedRef { box in
        do {
            return try box.function(LuaCall(L: L)).raw
        } catch {
            return pushRaisable(L, error)
        }
    }
}

let swiftRelease: bkup_release_fn = { object in
    Unmanaged<AnyObject>.fromOpaque(object!).release()
}

/// Pushes what Lua should raise for a Swift error and returns the status telling C how.
func pushRaisable(_ L: OpaquePointer, _ error: any Error) -> Int32 {
    _ = lua_checkstack(L, 4)
    switch error {
    case let e as LuaArgumentError:
        lua_pushinteger(L, lua_Integer(e.index))
        lua_pushstring(L, e.message)
        return BKUP_STATUS_ARGERROR
    case let e as LuaRaise:
        e.payload.push(L)
        return BKUP_STATUS_ERROR
    case is LuaError, is LuaErrorConvertible:
        pushErrorValue(L, error)
        return BKUP_STATUS_ERROR
    default:
        lua_pushstring(L, String(describing: error))
        return BKUP_STATUS_ERROR_MSG
    }
}


/// The view a Swift function has of its call: arguments in, results out. Argument readers
/// never raise; they throw `LuaArgumentError`, which the trampoline raises as lauxlib would.
public struct LuaCall {
    package let L: OpaquePointer

    public var state: LuaState { LuaState.from(L) }
    /// This call's stack (a coroutine's, when the call comes from one).
    public var stack: LuaStack { LuaStack(L) }
    /// Number of arguments.
    public var count: Int32 { lua_gettop(L) }

    public func type(_ i: Int32) -> LuaType { LuaType(lua_type(L, i)) }
    public func isNoneOrNil(_ i: Int32) -> Bool { lua_type(L, i) <= LUA_TNIL }

    public func typeName(_ i: Int32) -> String {
        // As luaL_typeerror: the __name of a userdata, else the basic type name.
        if lua_type(L, i) == LUA_TNONE { return "no value" }
        if lua_getmetatable(L, i) != 0 {
            lua_pushstring(L, "__name")
            let t = lua_rawget(L, -2)
            defer { bkup_pop(L, 2) }
            if t == LUA_TSTRING, let name = bkup_tostring(L, -1) { return String(cString: name) }
        }
        if lua_type(L, i) == LUA_TLIGHTUSERDATA, lua_touserdata(L, i) == bkup_null_sentinel() { return "json.null" }
        return String(cString: lua_typename(L, lua_type(L, i)))
    }

    public func typeError(_ i: Int32, _ expected: String) -> LuaArgumentError {
        LuaArgumentError(index: i, "\(expected) expected, got \(typeName(i))")
    }

    /// As luaL_checkstring: a string, or a number (as Lua writes it).
    public func string(_ i: Int32) throws -> String {
        guard lua_type(L, i) == LUA_TSTRING || lua_type(L, i) == LUA_TNUMBER else { throw typeError(i, "string") }
        var len = 0
        let p = lua_tolstring(L, i, &len)!
        return p.withMemoryRebound(to: UInt8.self, capacity: len) {
            String(decoding: UnsafeBufferPointer(start: $0, count: len), as: UTF8.self)
        }
    }

    public func bytes(_ i: Int32) throws -> [UInt8] {
        guard lua_type(L, i) == LUA_TSTRING || lua_type(L, i) == LUA_TNUMBER else { throw typeError(i, "string") }
        var len = 0
        let p = lua_tolstring(L, i, &len)!
        return p.withMemoryRebound(to: UInt8.self, capacity: len) { Array(UnsafeBufferPointer(start: $0, count: len)) }
    }

    public func optionalString(_ i: Int32) throws -> String? {
        isNoneOrNil(i) ? nil : try string(i)
    }

    /// As luaL_checkinteger: an integer, a float with an exact integer value, or a string that
    /// reads as either ("42", "0x10").
    public func integer(_ i: Int32) throws -> Int64 {
        if lua_isinteger(L, i) != 0 { return Int64(bkup_tointeger(L, i)) }
        var ok: Int32 = 0
        let v = lua_tointegerx(L, i, &ok)
        if ok != 0 { return Int64(v) }
        if lua_isnumber(L, i) != 0 { throw LuaArgumentError(index: i, "number has no integer representation") }
        throw typeError(i, "number")
    }

    public func optionalInteger(_ i: Int32) throws -> Int64? {
        isNoneOrNil(i) ? nil : try integer(i)
    }

    /// As luaL_checknumber: a number, or a string that reads as one.
    public func number(_ i: Int32) throws -> Double {
        var ok: Int32 = 0
        let v = lua_tonumberx(L, i, &ok)
        guard ok != 0 else { throw typeError(i, "number") }
        return v
    }

    public func optionalNumber(_ i: Int32) throws -> Double? {
        isNoneOrNil(i) ? nil : try number(i)
    }

    public func boolean(_ i: Int32) -> Bool { lua_toboolean(L, i) != 0 }

    public func checkTable(_ i: Int32) throws {
        guard lua_type(L, i) == LUA_TTABLE else { throw typeError(i, "table") }
    }

    public func checkOptionalTable(_ i: Int32) throws {
        if !isNoneOrNil(i) { try checkTable(i) }
    }

    public func checkFunction(_ i: Int32) throws {
        guard lua_type(L, i) == LUA_TFUNCTION else { throw typeError(i, "function") }
    }

    /// The argument converted to a JSON value; errors name the argument.
    public func value(_ i: Int32) throws -> JSONValue {
        do {
            return try stack.value(at: i)
        } catch {
            throw LuaArgumentError(index: i, error.description)
        }
    }

    /// A table argument converted to a JSON object (a table with string keys); empty is {}.
    public func object(_ i: Int32) throws -> [String: JSONValue] {
        try checkTable(i)
        let v = try value(i)
        switch v {
        case .object(let o): return o
        case .array(let a) where a.isEmpty: return [:]
        default: throw LuaArgumentError(index: i, "table with string keys expected, got an array")
        }
    }

    /// The Swift object in a userdata of class `className` at i.
    public func object<T: AnyObject>(_ i: Int32, as type: T.Type, className: String) throws -> T {
        guard let raw = bkup_test_object(L, i, className) else {
            // The right type but no object: it was closed (`<close>`) already.
            if bkup_is_object_type(L, i, className) != 0 { throw LuaArgumentError(index: i, "\(className) is closed") }
            throw typeError(i, className)
        }
        return Unmanaged<AnyObject>.fromOpaque(raw).takeUnretainedValue() as! T
    }

    public func ref(_ i: Int32) -> LuaRef { stack.ref(at: i) }

    // MARK: results

    @discardableResult
    public func push(_ value: JSONValue) -> LuaReturn {
        stack.push(value)
        return .values(1)
    }

    @discardableResult
    public func push(_ value: String) -> LuaReturn {
        lua_pushstring(L, value)
        return .values(1)
    }

    @discardableResult
    public func push(_ value: Bool) -> LuaReturn {
        lua_pushboolean(L, value ? 1 : 0)
        return .values(1)
    }

    @discardableResult
    public func push(_ value: Int64) -> LuaReturn {
        lua_pushinteger(L, lua_Integer(value))
        return .values(1)
    }

    @discardableResult
    public func push(_ value: Double) -> LuaReturn {
        lua_pushnumber(L, value)
        return .values(1)
    }

    public func pushNil() { lua_pushnil(L) }
}
