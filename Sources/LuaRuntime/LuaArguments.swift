import BkupJSON
import CLua
import CLuaBridge

/// The arguments of one call from Lua to a host function, taken out of Lua as the call is made,
/// so that the function may read them on any thread (an async function runs off the script's).
///
/// The readers follow lauxlib's: `string` accepts a number (`42` reads "42", `3.5` "3.5"),
/// `integer` and `number` accept a string that reads as one (`"42"`, `"0x10"`, `" 7 "`), an
/// absent argument is "no value"; and a wrong one throws a `LuaArgumentError` that Lua raises as
/// `luaL_argerror` does: `bad argument #1 to 'notify' (string expected, got table)`. Indices
/// start at 1, as in Lua.
public struct LuaArguments: Sendable {
    /// The name the function was registered under (`ops.notify`), for messages.
    public let function: String
    private let values: [Value]

    /// One argument as Lua had it.
    enum Value: Sendable {
        case `nil`
        case boolean(Bool)
        case integer(Int64)
        case number(Double)
        /// A string, and what Lua would make of it as a number (nil when it reads as none).
        case string([UInt8], number: Double?, integer: Int64?)
        /// A table as a JSON value, or why it is not one; and its type name for messages.
        case table(Result<JSONValue, LuaConversionError>, typeName: String)
        case null
        /// A function, userdata or thread: only its type name crosses.
        case other(LuaType, typeName: String)
    }

    /// Takes the arguments of `call` (on the Lua thread, during the call).
    public init(_ call: LuaCall, function: String) {
        self.function = function
        let count = call.count
        var values: [Value] = []
        values.reserveCapacity(Int(count))
        for i in Int32(1)..<(count + 1) { values.append(Self.take(call, i)) }
        self.values = values
    }

    private static func take(_ call: LuaCall, _ i: Int32) -> Value {
        let L = call.L
        switch lua_type(L, i) {
        case LUA_TNIL: return .nil
        case LUA_TBOOLEAN: return .boolean(lua_toboolean(L, i) != 0)
        case LUA_TNUMBER:
            return lua_isinteger(L, i) != 0 ? .integer(Int64(bkup_tointeger(L, i))) : .number(bkup_tonumber(L, i))
        case LUA_TSTRING:
            var isNumber: Int32 = 0, isInteger: Int32 = 0
            let number = lua_tonumberx(L, i, &isNumber)
            let integer = lua_tointegerx(L, i, &isInteger)
            return .string(call.stack.bytes(at: i) ?? [], number: isNumber != 0 ? number : nil,
                           integer: isInteger != 0 ? Int64(integer) : nil)
        case LUA_TTABLE:
            return .table(Result { () throws(LuaConversionError) in try call.stack.value(at: i) }, typeName: call.typeName(i))
        case LUA_TLIGHTUSERDATA where call.stack.isNull(at: i):
            return .null
        default:
            return .other(call.type(i), typeName: call.typeName(i))
        }
    }

    /// How many arguments were passed.
    public var count: Int { values.count }

    private func value(at i: Int) -> Value? { i >= 1 && i <= values.count ? values[i - 1] : nil }

    /// The argument's Lua type (`.none` past the last).
    public func type(_ i: Int) -> LuaType {
        switch value(at: i) {
        case nil: return .none
        case .nil: return .nil
        case .boolean: return .boolean
        case .integer, .number: return .number
        case .string: return .string
        case .table: return .table
        case .null: return .lightUserdata
        case .other(let type, _): return type
        }
    }

    /// Absent or nil: an optional argument that was not given.
    public func isNoneOrNil(_ i: Int) -> Bool { type(i).isNoneOrNil }

    /// The argument's type as lauxlib names it in errors: a `__name` (`json.array`,
    /// `backups.Error`), else the basic type; "no value" past the last.
    public func typeName(_ i: Int) -> String {
        switch value(at: i) {
        case nil: return "no value"
        case .nil: return "nil"
        case .boolean: return "boolean"
        case .integer, .number: return "number"
        case .string: return "string"
        case .table(_, let name), .other(_, let name): return name
        case .null: return "json.null"
        }
    }

    /// `luaL_typeerror`'s words for argument `i`.
    public func typeError(_ i: Int, _ expected: String) -> LuaArgumentError {
        LuaArgumentError(index: Int32(clamping: i), "\(expected) expected, got \(typeName(i))")
    }

    // MARK: readers, as lauxlib's

    /// A string, or a number as Lua writes it (`luaL_checkstring`). Bytes that are not UTF-8
    /// are replaced (U+FFFD); `bytes(_:)` has them as they are.
    public func string(_ i: Int) throws(LuaArgumentError) -> String {
        String(decoding: try bytes(i), as: UTF8.self)
    }

    public func optionalString(_ i: Int) throws(LuaArgumentError) -> String? {
        isNoneOrNil(i) ? nil : try string(i)
    }

    /// The bytes of a string (or a number's text).
    public func bytes(_ i: Int) throws(LuaArgumentError) -> [UInt8] {
        switch value(at: i) {
        case .string(let bytes, _, _)?: return bytes
        case .integer(let n)?: return Array(String(n).utf8)
        case .number(let d)?: return Array(Self.luaText(d).utf8)
        default: throw typeError(i, "string")
        }
    }

    /// An integer, a float with an exact integer value, or a string that reads as either
    /// (`luaL_checkinteger`).
    public func integer(_ i: Int) throws(LuaArgumentError) -> Int64 {
        switch value(at: i) {
        case .integer(let n)?: return n
        case .number(let d)?:
            guard let n = Self.exactInteger(d) else { throw noInteger(i) }
            return n
        case .string(_, let number?, let integer)?:
            if let integer { return integer }
            guard let n = Self.exactInteger(number) else { throw noInteger(i) }
            return n
        default: throw typeError(i, "number")
        }
    }

    public func optionalInteger(_ i: Int) throws(LuaArgumentError) -> Int64? {
        isNoneOrNil(i) ? nil : try integer(i)
    }

    /// A number, or a string that reads as one (`luaL_checknumber`).
    public func number(_ i: Int) throws(LuaArgumentError) -> Double {
        switch value(at: i) {
        case .integer(let n)?: return Double(n)
        case .number(let d)?: return d
        case .string(_, let number?, _)?: return number
        default: throw typeError(i, "number")
        }
    }

    public func optionalNumber(_ i: Int) throws(LuaArgumentError) -> Double? {
        isNoneOrNil(i) ? nil : try number(i)
    }

    /// Lua's truth: false only for nil, false and no value (`lua_toboolean`).
    public func boolean(_ i: Int) -> Bool {
        switch value(at: i) {
        case nil, .nil?: return false
        case .boolean(let b)?: return b
        default: return true
        }
    }

    /// The argument as a JSON value (nil and no value are `.null`): what `json.encode` would
    /// make of it. A function, userdata or a table that is not data is a bad argument.
    public func value(_ i: Int) throws(LuaArgumentError) -> JSONValue {
        switch value(at: i) {
        case nil, .nil?, .null?: return .null
        case .boolean(let b)?: return .bool(b)
        case .integer(let n)?: return .integer(n)
        case .number(let d)?: return .number(d)
        case .string(let bytes, _, _)?:
            guard let s = String(validating: bytes, as: UTF8.self) else {
                throw LuaArgumentError(index: Int32(clamping: i), "string is not valid UTF-8")
            }
            return .string(s)
        case .table(let converted, _)?:
            switch converted {
            case .success(let v): return v
            case .failure(let e): throw LuaArgumentError(index: Int32(clamping: i), e.description)
            }
        case .other(_, let name)?:
            throw LuaArgumentError(index: Int32(clamping: i), "cannot convert a \(name) value")
        }
    }

    /// A table with string keys (empty is `[:]`).
    public func object(_ i: Int) throws(LuaArgumentError) -> [String: JSONValue] {
        guard case .table? = value(at: i) else { throw typeError(i, "table") }
        switch try value(i) {
        case .object(let fields): return fields
        case .array(let items) where items.isEmpty: return [:]
        default: throw LuaArgumentError(index: Int32(clamping: i), "table with string keys expected, got an array")
        }
    }

    /// A table with keys 1...n (empty is `[]`).
    public func array(_ i: Int) throws(LuaArgumentError) -> [JSONValue] {
        guard case .table? = value(at: i) else { throw typeError(i, "table") }
        switch try value(i) {
        case .array(let items): return items
        case .object(let fields) where fields.isEmpty: return []
        default: throw LuaArgumentError(index: Int32(clamping: i), "array expected, got a table with string keys")
        }
    }

    // MARK: helpers

    private func noInteger(_ i: Int) -> LuaArgumentError {
        LuaArgumentError(index: Int32(clamping: i), "number has no integer representation")
    }

    /// As lua_numbertointeger: a float with an exact integer value in range.
    static func exactInteger(_ d: Double) -> Int64? {
        guard d >= -9.2233720368547758e18, d < 9.2233720368547758e18, d.rounded(.towardZero) == d else { return nil }
        return Int64(d)
    }

    /// A float as Lua writes it (`%.14g`, with ".0" when that looks like an integer).
    static func luaText(_ d: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let length = bkup_format_number(d, &buffer, buffer.count)
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
