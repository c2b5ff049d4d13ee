import BkupJSON
import CLua
import CLuaBridge

/// A Lua error that reached Swift: the message, the traceback, and the original error value
/// (kept in the registry so that re-raising it into Lua preserves its identity).
public struct LuaError: Error, CustomStringConvertible, @unchecked Sendable {
    public enum Kind: Sendable {
        case runtime, syntax, memory, errorHandler, conversion
        /// The run hit a limit (time, instructions, memory, tasks); see `RunLimits`.
        case limit
        /// Ctrl-C, `interrupt()`, or a closed host.
        case interrupted
    }
    public let kind: Kind
    public let message: String
    public let traceback: String
    /// The Swift object carried by the error value, when it was a Swift userdata (for example
    /// a structured service error).
    public let object: AnyObject?
    /// The original Lua value, anchored in the registry while the state is open.
    let payload: LuaRef?

    public init(kind: Kind = .runtime, message: String, traceback: String = "", object: AnyObject? = nil) {
        self.kind = kind
        self.message = message
        self.traceback = traceback
        self.object = object
        self.payload = nil
    }

    init(kind: Kind, message: String, traceback: String, object: AnyObject?, payload: LuaRef?) {
        self.kind = kind
        self.message = message
        self.traceback = traceback
        self.object = object
        self.payload = payload
    }

    public var description: String {
        traceback.isEmpty ? message : message + "\n" + traceback
    }

    /// The message and traceback as the `lua` program prints an error of the code it ran: its
    /// traceback ends with `[C]: in ?`, the C function (lua.c's pmain) that ran the chunk (a
    /// traceback that ends in a C function already, as `require` run for `-l`, is kept).
    public var asLuaPrintsIt: String {
        if traceback.isEmpty { return message }
        let bottom = "\n\t[C]: in ?"
        return message + "\n" + traceback + (traceback.hasSuffix(bottom) ? "" : bottom)
    }

    /// The same error with its message and traceback passed through `transform` (to redact).
    public func mapText(_ transform: (String) -> String) -> LuaError {
        LuaError(kind: kind, message: transform(message), traceback: transform(traceback), object: object, payload: payload)
    }
}

/// A bad argument in a call from Lua, worded by `luaL_argerror`:
/// `bad argument #2 to 'update' (table expected, got string)`.
public struct LuaArgumentError: Error, CustomStringConvertible, Sendable {
    public let index: Int32
    public let message: String
    public init(index: Int32, _ message: String) {
        self.index = index
        self.message = message
    }
    public var description: String { "bad argument #\(index) (\(message))" }
}

/// A value that wants to reach Lua as something richer than a string (a table or a userdata).
public protocol LuaErrorConvertible: Error {
    /// Pushes exactly one value: the error object Lua code will see.
    func pushLuaError(_ stack: LuaStack)
}

/// A conversion from Lua to `JSONValue` that cannot be done (a function, a cycle, a mixed table).
public struct LuaConversionError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
