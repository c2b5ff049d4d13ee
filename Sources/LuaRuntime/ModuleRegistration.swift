import CLua
import CLuaBridge

/// Why Swift functions could not be registered: the name is taken. Nothing was registered.
public struct RegistrationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension LuaState {
    /// Adds Swift functions to the module `name`: to the table `require(name)` already gives
    /// (a module registered before, or one of the host's), else to a new one, which `require`
    /// finds after Lua's own searchers and, when `name` is an identifier, the global `name`. A function
    /// whose name the module has already is a clash: nothing is added, and the error says which.
    public func addToModule(_ name: String, _ functions: [(name: String, function: LuaFunction)]) throws(RegistrationError) {
        var seen: Set<String> = []
        for (fn, _) in functions where !seen.insert(fn).inserted {
            throw RegistrationError("\(name).\(fn) is given twice")
        }
        let top = stack.top
        defer { stack.setTop(top) }
        try pushModuleTable(name)
        for (fn, _) in functions {
            let existing = stack.rawField(-1, fn)
            stack.pop()
            if existing != .nil {
                throw RegistrationError("\(name).\(fn) exists already (a \(typeName(existing)))"
                    + ": a function is not replaced; give it another name")
            }
        }
        for (fn, function) in functions {
            push(function: function)
            setField(-2, fn)
        }
        registerModule(name, global: Self.isIdentifier(name))
    }

    /// Sets the global `name` to a Swift function, unless a global of that name exists.
    public func addGlobal(_ name: String, function: @escaping LuaFunction) throws(RegistrationError) {
        pushGlobal(name)
        let existing = stack.type(at: -1)
        stack.pop()
        if existing != .nil {
            throw RegistrationError("a global named '\(name)' exists already (a \(typeName(existing)))"
                + ": it is not replaced; give the function another name, or put it in a module")
        }
        setGlobal(name, function: function)
    }

    /// Pushes the module's table: the host's module `name`, else `package.loaded[name]`, else
    /// the global `name`, else a new one.
    private func pushModuleTable(_ name: String) throws(RegistrationError) {
        bkup_push_host_modules(L)
        let registered = stack.rawField(-1, name)
        stack.remove(at: -2)
        if registered == .table { return }
        stack.pop()
        bkup_push_loaded(L)
        let loaded = stack.rawField(-1, name)
        stack.remove(at: -2)
        if loaded == .table { return }
        stack.pop()
        guard loaded == .nil else {
            throw RegistrationError("package.loaded.\(name) is a \(typeName(loaded)), not a module's table")
        }
        if Self.isIdentifier(name) {
            pushGlobal(name)
            let global = stack.type(at: -1)
            if global == .table { return }
            stack.pop()
            guard global == .nil else {
                throw RegistrationError("a global named '\(name)' exists already (a \(typeName(global)))"
                    + ", so it cannot become a module")
            }
        }
        stack.pushTable()
    }

    private func typeName(_ type: LuaType) -> String { String(cString: lua_typename(L, type.raw)) }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
            && !luaKeywords.contains(name)
    }

    private static let luaKeywords: Set<String> = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in", "local", "nil", "not",
        "or", "repeat", "return", "then", "true", "until", "while",
    ]
}

extension LuaType {
    /// The C API's type code.
    var raw: Int32 {
        switch self {
        case .none: return LUA_TNONE
        case .nil: return LUA_TNIL
        case .boolean: return LUA_TBOOLEAN
        case .lightUserdata: return LUA_TLIGHTUSERDATA
        case .number: return LUA_TNUMBER
        case .string: return LUA_TSTRING
        case .table: return LUA_TTABLE
        case .function: return LUA_TFUNCTION
        case .userdata: return LUA_TUSERDATA
        case .thread: return LUA_TTHREAD
        }
    }
}
