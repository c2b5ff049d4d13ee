import BkupJSON
import CLua

/// Lua's basic types, as `lua_type` reports them.
public enum LuaType: Sendable, Equatable {
    case none, `nil`, boolean, lightUserdata, number, string, table, function, userdata, thread

    init(_ raw: Int32) {
        switch raw {
        case LUA_TNIL: self = .nil
        case LUA_TBOOLEAN: self = .boolean
        case LUA_TLIGHTUSERDATA: self = .lightUserdata
        case LUA_TNUMBER: self = .number
        case LUA_TSTRING: self = .string
        case LUA_TTABLE: self = .table
        case LUA_TFUNCTION: self = .function
        case LUA_TUSERDATA: self = .userdata
        case LUA_TTHREAD: self = .thread
        default: self = .none
        }
    }

    /// Absent or nil: an optional argument that was not given.
    public var isNoneOrNil: Bool { self == .none || self == .nil }
}

extension JSONValue {
    /// The type of a value read from Lua, as a `bad argument` message names it: a table (not an
    /// array or object), json.null.
    public var luaTypeName: String {
        switch self {
        case .array, .object: return "table"
        case .null: return "json.null"
        default: return typeName
        }
    }
}
