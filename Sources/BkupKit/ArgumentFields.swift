import BackupsClient
import BackupsModels
import LuaRuntime

// Reading the arguments of the `backups` functions: query lists and option tables, with
// errors worded as lauxlib words them.

extension Fields {
    /// A list of query strings (or one string) at `i`; nothing is no queries.
    static func queries(_ call: LuaCall, _ i: Int32) throws -> [String] {
        if call.isNoneOrNil(i) { return [] }
        if call.type(i) == .string { return [try call.string(i)] }
        try call.checkTable(i)
        let value = try call.value(i)
        if case .object(let o) = value, o.isEmpty { return [] }
        guard case .array(let items) = value else { throw LuaArgumentError(index: i, "list of query strings expected") }
        return try items.enumerated().map { n, item in
            guard case .string(let s) = item else {
                throw LuaArgumentError(index: i, "query #\(n + 1): string expected, got \(item.luaTypeName)")
            }
            return s
        }
    }
}

/// Fields of a table argument, refusing unknown names (a typo must not pass silently).
struct Fields {
    let index: Int32
    var values: [String: JSONValue]
    let allowed: Set<String>

    init(_ call: LuaCall, _ i: Int32, allowed: Set<String>) throws {
        try call.checkTable(i)
        index = i
        values = try call.object(i)
        self.allowed = allowed
        for key in values.keys.sorted() where !allowed.contains(key) {
            throw LuaArgumentError(index: i, "unknown field '\(key)' (fields: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    func fail(_ name: String, _ expected: String, _ got: JSONValue) -> LuaArgumentError {
        LuaArgumentError(index: index, "field '\(name)': \(expected) expected, got \(got.luaTypeName)")
    }

    func string(_ name: String, required: Bool = false) throws -> String? {
        guard let v = values[name], !v.isNull else {
            if required { throw LuaArgumentError(index: index, "field '\(name)' is required") }
            return nil
        }
        guard case .string(let s) = v else { throw fail(name, "string", v) }
        return s
    }

    /// A whole number in `domain`: a float counts only with an exact integer value
    /// (`math.tointeger`'s rule), and out of the domain is a `bad argument`.
    func integer(_ name: String, required: Bool = false, in domain: NumberDomain<Int64>) throws -> Int64? {
        guard let v = values[name], !v.isNull else {
            if required { throw LuaArgumentError(index: index, "field '\(name)' is required") }
            return nil
        }
        do { return try domain.read(v) } catch { throw refusal(name, error, "integer", v) }
    }

    private func refusal(_ name: String, _ error: DomainError, _ type: String, _ got: JSONValue) -> LuaArgumentError {
        switch error {
        case .notANumber: return fail(name, type, got)
        case .outside(let expected, let value): return LuaArgumentError(index: index, "field '\(name)': \(expected) expected, got \(value)")
        }
    }

    func bool(_ name: String) throws -> Bool? {
        guard let v = values[name], !v.isNull else { return nil }
        guard case .bool(let b) = v else { throw fail(name, "boolean", v) }
        return b
    }

    /// A list of services: a table of strings (a lone string is refused, as every list field is).
    func services(_ name: String = "services") throws -> [String] {
        guard let v = values[name], !v.isNull else { throw LuaArgumentError(index: index, "field '\(name)' is required") }
        switch v {
        case .object(let o) where o.isEmpty: return []  // {}: the service's own "non-empty" error says why
        case .array(let items):
            return try items.map {
                guard case .string(let s) = $0 else { throw fail(name, "list of strings", $0) }
                return s
            }
        default: throw fail(name, "list of services", v)
        }
    }
}

extension LuaCall {
    /// Argument `i` as a whole number in `domain` (`math.tointeger`'s rule for floats).
    func integer(_ i: Int32, in domain: NumberDomain<Int64>) throws -> Int64 {
        guard type(i) == .number else { throw typeError(i, "number") }
        let v = try value(i)
        do { return try domain.read(v) } catch { throw refusal(i, error) }
    }

    /// Argument `i` as a finite number in `domain`.
    func number(_ i: Int32, in domain: NumberDomain<Double>) throws -> Double {
        guard type(i) == .number else { throw typeError(i, "number") }
        let v = try value(i)
        do { return try domain.read(v) } catch { throw refusal(i, error) }
    }

    private func refusal(_ i: Int32, _ error: DomainError) -> LuaArgumentError {
        switch error {
        case .notANumber: return typeError(i, "number")
        case .outside(let expected, let got): return LuaArgumentError(index: i, "\(expected) expected, got \(got)")
        }
    }
}
