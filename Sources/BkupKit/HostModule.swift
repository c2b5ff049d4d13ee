import LuaRuntime

/// The functions of one Lua module, synchronous and `async` together, as
/// ``BkupHost/register(module:_:)`` builds it:
///
///     try host.register(module: "ops") { ops in
///         ops.function("notify") { args in chat.post(try args.string(1)) }
///         ops.function("lookupOwner") { args async throws -> Owner in
///             try await directory.owner(of: try args.string(1))
///         }
///     }
///
/// See ``HostFunction`` for what the closures receive, return and throw, and where they run.
public struct HostModule {
    /// The module's name: `require(name)` gives its table, and so does the global `name`.
    public let name: String
    var functions: [(name: String, function: HostFunction)] = []

    init(name: String) { self.name = name }

    /// Adds a function (a name given twice is an error when the module is registered).
    public mutating func add(_ name: String, _ function: HostFunction) {
        functions.append((name, function))
    }

    public mutating func function(_ name: String, _ body: @escaping @Sendable (LuaArguments) throws -> Void) {
        add(name, HostFunction(body))
    }

    public mutating func function<Value: Encodable & Sendable>(_ name: String, _ body: @escaping @Sendable (LuaArguments) throws -> Value) {
        add(name, HostFunction(body))
    }

    public mutating func function(_ name: String, _ body: @escaping @Sendable (LuaArguments) async throws -> Void) {
        add(name, HostFunction(body))
    }

    public mutating func function<Value: Encodable & Sendable>(_ name: String, _ body: @escaping @Sendable (LuaArguments) async throws -> Value) {
        add(name, HostFunction(body))
    }
}

extension BkupHost {
    /// Adds Swift functions to the Lua module `name`, which scripts reach as the global `name`
    /// and through `require(name)`. Registering into a module that exists (one registered
    /// before, or one of the host's own, such as `backups`) adds to it; a function name the
    /// module has already is an error (``RegistrationError``), and then nothing is added.
    public func register(module name: String, _ build: (inout HostModule) throws -> Void) throws {
        var module = HostModule(name: name)
        try build(&module)
        let scheduler = self.scheduler
        let functions = module.functions.map { entry in
            (name: entry.name, function: entry.function.luaFunction(named: "\(name).\(entry.name)", scheduler: scheduler))
        }
        try withRunLock { try lua.addToModule(name, functions) }
    }

    /// Makes a Swift function the global `name`; a global of that name already is an error
    /// (``RegistrationError``).
    public func register(_ name: String, _ function: HostFunction) throws {
        let luaFunction = function.luaFunction(named: name, scheduler: scheduler)
        try withRunLock { try lua.addGlobal(name, function: luaFunction) }
    }

    public func register(_ name: String, _ body: @escaping @Sendable (LuaArguments) throws -> Void) throws {
        try register(name, HostFunction(body))
    }

    public func register<Value: Encodable & Sendable>(_ name: String, _ body: @escaping @Sendable (LuaArguments) throws -> Value) throws {
        try register(name, HostFunction(body))
    }

    public func register(_ name: String, _ body: @escaping @Sendable (LuaArguments) async throws -> Void) throws {
        try register(name, HostFunction(body))
    }

    public func register<Value: Encodable & Sendable>(_ name: String, _ body: @escaping @Sendable (LuaArguments) async throws -> Value) throws {
        try register(name, HostFunction(body))
    }
}
