import BackupsClient
import BackupsModels
import LuaRuntime

/// A Swift function that Lua calls, made from a closure: synchronous, or `async`.
///
/// Both kinds read their arguments the same way (``LuaArguments``, with Lua's own coercions) and
/// return the same way: nothing, a `Codable` value (a record such as `BackupPolicy`, your own
/// struct, a `JSONValue`), or ``LuaResults`` for several. A closure without `await` is
/// synchronous: it runs on the thread that runs the script, while the script waits. An `async`
/// one runs on Swift's concurrency pool while the calling Lua task waits and the script's other
/// tasks go on; cancelling the run cancels it. Either may run on another thread than the one
/// that registered it (an async run has a thread of its own), so both are `@Sendable`.
///
/// What a function throws reaches Lua as Lua errors read: a bad argument as
/// `bad argument #1 to 'notify' (string expected, got table)`; a `BackupsError` as the
/// `backups.Error` it describes (`err.type`, `err.code`, `err.message`); any other error as a
/// `backups.Error` of type `host_error` (`cancelled` for `CancellationError`), whose Swift error
/// ``LuaError/underlyingError`` gives back if the run ends with it.
public struct HostFunction: Sendable {
    enum Body: Sendable {
        case sync(@Sendable (LuaArguments) throws -> HostResults)
        case async(@Sendable (LuaArguments) async throws -> HostResults)
    }
    let body: Body

    public init(_ body: @escaping @Sendable (LuaArguments) throws -> Void) {
        self.body = .sync { arguments in
            try body(arguments)
            return .none
        }
    }

    public init<Value: Encodable & Sendable>(_ body: @escaping @Sendable (LuaArguments) throws -> Value) {
        self.body = .sync { arguments in try HostResults(try body(arguments)) }
    }

    public init(_ body: @escaping @Sendable (LuaArguments) async throws -> Void) {
        self.body = .async { arguments in
            try await body(arguments)
            return .none
        }
    }

    public init<Value: Encodable & Sendable>(_ body: @escaping @Sendable (LuaArguments) async throws -> Value) {
        self.body = .async { arguments in try HostResults(try await body(arguments)) }
    }

    /// The function as the Lua state calls it, registered as `name` (`ops.notify`).
    func luaFunction(named name: String, scheduler: LuaScheduler) -> LuaFunction {
        switch body {
        case .sync(let body):
            return { call in
                let results: HostResults
                do {
                    results = try body(LuaArguments(call, function: name))
                } catch {
                    throw HostFunction.raisable(error, function: name)
                }
                return .values(results.push(on: call.stack))
            }
        case .async(let body):
            return { call in
                let arguments = LuaArguments(call, function: name)
                return try scheduler.await(call, operation: {
                    do {
                        return try await body(arguments)
                    } catch {
                        throw HostFunction.raisable(error, function: name)
                    }
                }, deliver: { stack, results in results.push(on: stack) })
            }
        }
    }

    /// What Lua raises for an error a host function threw.
    static func raisable(_ error: any Error, function: String) -> any Error {
        switch error {
        case is LuaArgumentError, is LuaError, is LuaRaise, is HostFunctionFailure:
            return error
        case let e as BackupsError:
            return HostFunctionFailure(e, cause: e)
        case is CancellationError:
            return HostFunctionFailure(BackupsError(code: 0, type: "cancelled", message: "\(function): cancelled"), cause: error)
        default:
            return HostFunctionFailure(BackupsError(code: 0, type: "host_error", message: "\(function): \(error)"), cause: error)
        }
    }
}

/// Several values a host function returns to Lua at once, as `return a, b` does:
/// `LuaResults(nil, "no such owner")` is Lua's `return nil, "no such owner"`.
public struct LuaResults: Encodable, Sendable {
    public let values: [JSONValue]

    public init(_ values: JSONValue...) { self.values = values }

    public init(_ values: [JSONValue]) { self.values = values }

    /// Each value encoded as a host function's result is.
    public init(encoding values: any Encodable & Sendable...) throws {
        self.values = try values.map { try JSONValueEncoder().encode($0) }
    }

    public func encode(to encoder: any Encoder) throws { try values.encode(to: encoder) }
}

/// A host function's results on their way to Lua (made on whatever thread the function ran).
enum HostResults: Sendable {
    case none
    case values([JSONValue])

    init<T: Encodable>(_ value: T) throws {
        if let many = value as? LuaResults { self = .values(many.values); return }
        self = .values([try JSONValueEncoder().encode(value)])
    }

    /// Pushes the results (a null as nil, records with their read aliases); returns how many.
    func push(on stack: LuaStack) -> Int32 {
        guard case .values(let values) = self else { return 0 }
        for value in values { stack.pushResult(value) }
        return Int32(values.count)
    }
}

/// An error a host function threw that Lua sees as a `backups.Error`, keeping the Swift error.
struct HostFunctionFailure: Error, LuaErrorConvertible, CustomStringConvertible {
    let error: BackupsError
    let cause: any Error

    init(_ error: BackupsError, cause: any Error) {
        self.error = error
        self.cause = cause
    }

    var description: String { error.description }

    func pushLuaError(_ stack: LuaStack) {
        stack.push(object: ErrorBox(error, cause: cause), className: ErrorBox.className)
    }
}

extension LuaArguments {
    /// The argument decoded as `type` (a record such as `BackupPolicy`, your own `Decodable`
    /// struct): tables by their fields, dates from ISO 8601 text. A value of another shape is a
    /// bad argument naming the field: `bad argument #1 to 'plan' (field 'owner.team': string
    /// expected, got number)`.
    public func decode<T: Decodable>(_ type: T.Type = T.self, _ i: Int) throws(LuaArgumentError) -> T {
        let value = try value(i)
        do {
            return try JSONValueDecoder().decode(T.self, from: value)
        } catch let error as DecodingError {
            let (field, message) = JSONValueDecoder.describe(error)
            throw LuaArgumentError(index: Int32(clamping: i), field.map { "field '\($0)': \(message)" } ?? message)
        } catch {
            throw LuaArgumentError(index: Int32(clamping: i), "\(error)")
        }
    }

    /// As `decode(_:_:)`, nil when the argument is absent or nil.
    public func decodeIfPresent<T: Decodable>(_ type: T.Type = T.self, _ i: Int) throws(LuaArgumentError) -> T? {
        isNoneOrNil(i) ? nil : try decode(type, i)
    }
}

extension LuaError {
    /// The script's `backups.Error`, when the run ended with one: a failure of the service or
    /// the client (`type`, `code`, `message`; `missingScope` is what scripts read as `err.scope`),
    /// or what a host function threw.
    public var backupsError: BackupsError? { (object as? ErrorBox)?.error }

    /// The Swift error a host function threw, as it threw it, when the run ended with it: a
    /// `BackupsError`, or any other error (which Lua saw as a `host_error`). nil for errors
    /// of the service, the client or Lua.
    public var underlyingError: (any Error)? { (object as? ErrorBox)?.cause }
}
