import BackupsClient
import Foundation
import LuaRuntime

/// Async Swift: runs that do not block the caller's thread and stop when its task is cancelled.
/// (Functions Lua calls, async or not, are registered with `register`: HostModule.swift.)
///
/// A host is one Lua state: its runs take turns (an async run waits for the one before it, on a
/// thread of its own, never on Swift's cooperative pool). `run` (async or not), `register` and
/// the properties are safe from any thread or task; `interrupt()` too. Many hosts run at once,
/// each on its own thread, and share one HTTP client per endpoint.
extension BkupHost {
    /// Runs Lua source as `run(string:)` does, on a thread of its own. Cancelling the calling
    /// task stops the script as Ctrl-C would (requests in flight are cancelled) and throws
    /// `CancellationError`; the host can run again afterwards.
    @discardableResult
    public func run(string source: String, chunkName: String = "=(string)", args: [String] = []) async throws -> [JSONValue] {
        try await runOffThread { try self.run(string: source, chunkName: chunkName, args: args) }
    }

    /// Runs a Lua file as `run(file:)` does, on a thread of its own; cancellable.
    @discardableResult
    public func run(file path: String, args: [String] = []) async throws -> [JSONValue] {
        try await runOffThread { try self.run(file: path, args: args) }
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
