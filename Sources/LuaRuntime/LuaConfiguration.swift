import CLua
import CLuaBridge
import Dispatch
import Synchronization

/// Lua that configures something (a fleet file that builds its table in a loop): evaluated for
/// its value, in a state of its own that opens only what is safe (the base library without file
/// or chunk loading, string, table, math, utf8, and `os.time/date/clock/difftime`; no `io`,
/// `require`, `debug`, coroutines or finalizers), within a small budget of instructions, memory
/// and time. Whoever wrote it, it reads nothing, writes nothing and ends.
public enum LuaConfiguration {
    public struct Budget: Sendable {
        public var timeout: Double = 10
        public var maxInstructions: UInt64 = 10_000_000
        public var maxMemory = 32 << 20
        /// Called from another thread when the evaluation has not ended `grace` seconds after its
        /// deadline: a C function Lua's hook never reaches (a pattern that backtracks for hours).
        /// A command ends the process there; without it, the evaluation goes on.
        public var overdue: (@Sendable () -> Void)?
        public static let grace = 2.0

        public init(timeout: Double = 10, overdue: (@Sendable () -> Void)? = nil) {
            self.timeout = timeout
            self.overdue = overdue
        }
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The value the file returns, as JSON. `print` goes to standard error, after `path: `.
    public static func evaluate(file path: String, budget: Budget) throws -> JSONValue {
        let state = try LuaState(memoryLimit: budget.maxMemory, openLibraries: false)
        defer { state.close() }
        guard bkup_open_configuration_libs(state.L) == LUA_OK else {
            throw Failure(description: "cannot open the libraries of a configuration file")
        }
        state.printHandler = { line in StandardStreams.writeError("\(path): \(line)\n") }
        try state.load(file: path)
        let ended = Ended()
        if let overdue = budget.overdue {
            DispatchQueue.global().asyncAfter(deadline: .now() + budget.timeout + Budget.grace) {
                if !ended.flag.load(ordering: .acquiring) { overdue() }
            }
        }
        state.startRun(limits: RunLimits(timeout: budget.timeout, maxInstructions: budget.maxInstructions, maxMemory: budget.maxMemory))
        defer {
            ended.flag.store(true, ordering: .releasing)
            state.endRun()
        }
        do {
            try state.pcall(nargs: 0, nresults: 1)
        } catch let error as LuaError {
            let memory = error.kind == .memory ? "it needs more than \(budget.maxMemory >> 20) MB (a configuration file's budget)" : nil
            throw Failure(description: stopMessage(state, budget) ?? memory ?? error.message)
        }
        do { return try state.value(at: -1) } catch { throw Failure(description: "it returns what is not a table of settings: \(error)") }
    }

    /// A limit's message in a configuration file's words.
    static func stopMessage(_ state: LuaState, _ budget: Budget) -> String? {
        switch state.stopReason {
        case .timeout?: return "it ran past its time budget of \(budget.timeout) s (a configuration file runs under --timeout, 10 s without)"
        case .instructions?: return "it ran past its budget of \(budget.maxInstructions) instructions (a configuration file must end quickly)"
        case .memory?: return "it needs more than \(budget.maxMemory >> 20) MB (a configuration file's budget)"
        default: return nil
        }
    }
}

private final class Ended: Sendable {
    let flag = Atomic<Bool>(false)
}
