import BackupsClient
import Foundation
import LuaRuntime

/// What an async host function receives: its arguments, already out of Lua (the Lua state
/// belongs to the script's thread; an async function runs elsewhere and must not touch it).
public struct AsyncCall: Sendable {
    public let name: String
    public let arguments: [JSONValue]

    public subscript(_ i: Int) -> JSONValue? { i >= 1 && i <= arguments.count ? arguments[i - 1] : nil }

    public func string(_ i: Int) throws -> String {
        guard case .string(let s)? = self[i] else { throw argumentError(i, "string") }
        return s
    }

    public func integer(_ i: Int) throws -> Int64 {
        guard let n = self[i]?.intValue else { throw argumentError(i, "integer") }
        return n
    }

    func argumentError(_ i: Int, _ expected: String) -> HostFunctionError {
        HostFunctionError(type: "argument_invalid", message: "bad argument #\(i) to '\(name)' (\(expected) expected)")
    }
}

/// An error an async host function throws, as Lua receives it: a `backups.Error` with this
/// type and message (and code), which `pcall` catches and `err.type` tells apart. Any other
/// error arrives as type `host_error` with its description.
public struct HostFunctionError: Error, Sendable {
    public var type: String
    public var message: String
    public var code: Int

    public init(type: String, message: String, code: Int = 0) {
        self.type = type
        self.message = message
        self.code = code
    }
}

public typealias AsyncHostFunction = @Sendable (AsyncCall) async throws -> JSONValue

/// Async Swift: runs that do not block the caller's thread and stop when its task is cancelled,
/// and Swift functions Lua calls that await (the calling Lua task yields; the others go on).
///
/// A host is one Lua state: its runs take turns (an async run waits for the one before it, on a
/// thread of its own, never on Swift's cooperative pool). `run` (async or not), `register` and
/// the properties are safe from any thread or task; `interrupt()` too. Many hosts run at once,
/// each on its own thread, and share one HTTP client per endpoint.
extension BkupHost {
    /// Runs Lua source as `run(string:)` does, on a thread of its own. Cancelling the calling
    /// task stops the script as Ctrl-C would (requests in flight are cancelled) and throws
    /// `CancellationError`; the host can run again afterwards.
    public func run(string source: String, chunkName: String = "=(string)", args: [String] = []) async throws -> [JSONValue] {
        try await runOffThread { try self.run(string: source, chunkName: chunkName, args: args) }
    }

    /// Runs a Lua file as `run(file:)` does, on a thread of its own; cancellable.
    public func run(file path: String, args: [String] = []) async throws -> [JSONValue] {
        try await runOffThread { try self.run(file: path, args: args) }
    }

    /// Registers an async Swift function as a global Lua function. The calling Lua task yields
    /// while it runs, other tasks go on; its result (or error, as a `backups.Error`) comes back
    /// into Lua. It runs off the script's thread: it receives its arguments as values and must
    /// not use the host.
    public func register(_ name: String, _ function: @escaping AsyncHostFunction) {
        withRunLock { lua.setGlobal(name, function: asyncBridge(name, function)) }
    }

    /// Registers a module of async functions: a global, and `require`-able.
    public func register(asyncModule name: String, _ functions: [String: AsyncHostFunction]) {
        withRunLock {
            lua.pushModule(functions.reduce(into: [:]) { $0[$1.key] = asyncBridge("\(name).\($1.key)", $1.value) })
            lua.registerModule(name)
        }
    }

    private func asyncBridge(_ name: String, _ function: @escaping AsyncHostFunction) -> LuaFunction {
        let scheduler = self.scheduler
        return { call in
            var arguments: [JSONValue] = []
            if call.count > 0 { for i in 1...call.count { arguments.append(try call.value(i)) } }
            let request = AsyncCall(name: name, arguments: arguments)
            return try scheduler.await(call, operation: {
                do {
                    return try await function(request)
                } catch let error as HostFunctionError {
                    throw BackupsError(code: error.code, type: error.type, message: error.message)
                } catch let error as BackupsError {
                    throw error
                } catch is CancellationError {
                    throw BackupsError(code: 0, type: "cancelled", message: "\(name): cancelled")
                } catch {
                    throw BackupsError(code: 0, type: "host_error", message: "\(name): \(error)")
                }
            }, deliver: { stack, value in
                stack.push(value)
                return 1
            })
        }
    }

    /// Runs `body` on a new thread (Lua wants a deep C stack; Swift's cooperative pool must not
    /// be blocked), after the runs before it, with the calling task's cancellation wired to
    /// `interrupt()`.
    private func runOffThread(_ body: @escaping @Sendable () throws -> [JSONValue]) async throws -> [JSONValue] {
        let ticket = RunTicket()
        let host = UncheckedHost(self)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[JSONValue], any Error>) in
                let thread = Thread {
                    let outcome: Result<[JSONValue], any Error> = host.value.withRunLock {
                        guard ticket.start({ host.value.interrupt() }) else { return .failure(CancellationError()) }
                        host.value.onRunStart = { ticket.running() }
                        defer { host.value.onRunStart = nil }
                        do {
                            return .success(try body())
                        } catch let error as LuaError where error.kind == .interrupted && ticket.isCancelled {
                            return .failure(CancellationError())
                        } catch {
                            return .failure(error)
                        }
                    }
                    continuation.resume(with: outcome)
                }
                thread.stackSize = 16 << 20
                thread.name = "bkup-host"
                thread.start()
            }
        } onCancel: {
            ticket.cancel()
        }
    }
}

/// Runs take turns under the run lock and `interrupt()` is safe anywhere, so a host may be
/// shared between tasks; set its properties (output, notice, limits) before its runs.
extension BkupHost: @unchecked Sendable {}

/// A host crosses to the run's thread; the run lock makes that thread its only user.
private struct UncheckedHost: @unchecked Sendable {
    let value: BkupHost
    init(_ value: BkupHost) { self.value = value }
}

/// One async run's cancellation: before the run starts it ends the run before it begins; once
/// it runs it interrupts (and a cancellation that comes while the run is still starting is
/// applied as soon as it is running, after the host cleared its last interrupt).
private final class RunTicket: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var interrupt: (() -> Void)?
    private var live = false

    var isCancelled: Bool { lock.lock(); defer { lock.unlock() }; return cancelled }

    /// false when cancelled already.
    func start(_ interrupt: @escaping () -> Void) -> Bool {
        lock.lock(); defer { lock.unlock() }
        self.interrupt = interrupt
        return !cancelled
    }

    func running() {
        lock.lock()
        live = true
        let fire = cancelled ? interrupt : nil
        lock.unlock()
        fire?()
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let fire = live ? interrupt : nil
        lock.unlock()
        fire?()
    }
}
