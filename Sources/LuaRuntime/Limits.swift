import CLua
import CLuaBridge
import Dispatch

/// Limits on one run of Lua code. Every limit, once hit, stops the run for good: from the
/// next instruction on, every instruction in every coroutine raises the limit's error, so a
/// script's own `pcall` cannot swallow it; requests in flight are cancelled.
public struct RunLimits: Sendable, Equatable {
    /// Wall-clock seconds for the run (0 = none). A watchdog stops the VM when the deadline
    /// passes (no hook runs before then), and the scheduler checks it while tasks wait on I/O.
    public var timeout: Double = 0
    /// Lua VM instructions for the run, across all coroutines (0 = none).
    public var maxInstructions: UInt64 = 0
    /// Bytes the Lua heap may hold (0 = none). Lua collects garbage before the limit stops a run.
    public var maxMemory: Int = 0
    /// Tasks alive at once (0 = none).
    public var maxTasks: Int = 0

    public init(timeout: Double = 0, maxInstructions: UInt64 = 0, maxMemory: Int = 0, maxTasks: Int = 0) {
        self.timeout = timeout
        self.maxInstructions = maxInstructions
        self.maxMemory = maxMemory
        self.maxTasks = maxTasks
    }
}

/// What the host calls each limit's setting, named in the limit's message in parentheses: a
/// command line sets its flags (`time limit exceeded: ... (--timeout)`); nil names nothing.
public struct LimitNames: Sendable, Equatable {
    public var timeout: String?
    public var instructions: String?
    public var memory: String?
    public var tasks: String?

    public init(timeout: String? = nil, instructions: String? = nil, memory: String? = nil, tasks: String? = nil) {
        self.timeout = timeout
        self.instructions = instructions
        self.memory = memory
        self.tasks = tasks
    }
}

/// Why a run stopped before its end.
public enum StopReason: Sendable, Equatable {
    case interrupted, timeout, instructions, memory, tasks
    /// `os.exit(code)`: the script asked to end the process; the host decides what that means.
    case exit(Int32)

    /// A limit (not an interrupt or an exit).
    public var isLimit: Bool {
        switch self {
        case .timeout, .instructions, .memory, .tasks: return true
        default: return false
        }
    }

    /// "timeout", "instructions", "memory", "tasks", "interrupted", "exit".
    public var name: String {
        switch self {
        case .interrupted: return "interrupted"
        case .timeout: return "timeout"
        case .instructions: return "instructions"
        case .memory: return "memory"
        case .tasks: return "tasks"
        case .exit: return "exit"
        }
    }

    public init?(name: String, code: Int32 = 0) {
        switch name {
        case "interrupted": self = .interrupted
        case "timeout": self = .timeout
        case "instructions": self = .instructions
        case "memory": self = .memory
        case "tasks": self = .tasks
        case "exit": self = .exit(code)
        default: return nil
        }
    }
}

/// `os.exit(code)` reached the host: the script has ended and wants this exit status.
public struct LuaExit: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public init(code: Int32) { self.code = code }
    public var description: String { "exit \(code)" }
}

extension LuaState {
    /// Why the current (or last) run is stopping, if it is.
    public var stopReason: StopReason? {
        switch bkup_stop_kind(L) {
        case BKUP_STOP_INTERRUPT: return .interrupted
        case BKUP_STOP_TIMEOUT: return .timeout
        case BKUP_STOP_INSTRUCTIONS: return .instructions
        case BKUP_STOP_MEMORY: return .memory
        case BKUP_STOP_TASKS: return .tasks
        case BKUP_STOP_EXIT: return .exit(bkup_exit_code(L))
        default: return nil
        }
    }

    /// The memory limit's error message (the same words the C allocator uses).
    public func memoryLimitMessage(_ limit: Int) -> String {
        "memory limit exceeded: the script needs more than \(limit) bytes" + String(cString: bkup_limit_suffix(L, BKUP_STOP_MEMORY))
    }

    /// The task limit's error message.
    func taskLimitMessage(_ limit: Int) -> String {
        "task limit exceeded: more than \(limit) tasks at once" + String(cString: bkup_limit_suffix(L, BKUP_STOP_TASKS))
    }

    /// Names the limits in their messages (see `LimitNames`). Before runs: a watchdog thread
    /// reads the messages.
    public func setLimitNames(_ names: LimitNames) {
        bkup_set_limit_names(L, names.timeout, names.instructions, names.memory, names.tasks)
    }

    /// The message every instruction raises while a stop is pending.
    public var stopMessage: String {
        guard let reason = bkup_stop_reason(L) else { return "interrupted!" }
        return String(cString: reason)
    }

    /// Stops the run from the Lua thread (a sticky error with `message`).
    public func stop(_ kind: Int32, _ message: String, exitCode: Int32 = 0) {
        bkup_stop(L, kind, message, exitCode)
    }

    /// Arms the time and instruction limits for the run that starts now. Memory and tasks are
    /// set where they are enforced (`memoryLimit`, `LuaScheduler.maxTasks`).
    public func startRun(limits: RunLimits) {
        let run = runGeneration.withLock { generation -> UInt64 in
            generation &+= 1
            return generation
        }
        bkup_set_limits(L, limits.maxInstructions, limits.timeout)
        guard limits.timeout > 0 else { return }
        // The deadline needs no hook while the script is within it: a watchdog sets one when
        // it passes (as Ctrl-C does).
        let stopper = LateStop(state: self)
        // A century at most: the watchdog's deadline is nanoseconds in an Int64 (the C deadline
        // saturates the same way).
        DispatchQueue.global().asyncAfter(deadline: .now() + min(limits.timeout, 3_155_760_000)) {
            stopper.timeout(ifStill: run)
        }
    }

    /// Ends the run's limits: a watchdog that fires later stops nothing.
    public func endRun() {
        runGeneration.withLock { $0 &+= 1 }
        bkup_set_limits(L, 0, 0)
    }

    /// Stops the run when its deadline has passed; true when a stop is pending.
    func checkStop() -> Bool { bkup_check_deadline(L) != 0 }

    /// What a watchdog on another thread may read and do while this state is open: how far a
    /// run has come, and stopping it.
    public var watch: Watch { Watch(L: L) }

    public struct Watch: @unchecked Sendable {
        let L: OpaquePointer
        /// A stop is pending (a limit, an interrupt, os.exit).
        public var isStopping: Bool { bkup_interrupted(L) != 0 }
        public var stopMessage: String { bkup_stop_reason(L).map { String(cString: $0) } ?? "interrupted!" }
        /// Lua code, or a C function it called, is running (not the host waiting on I/O).
        public var inVM: Bool { bkup_in_vm(L) != 0 }
        /// VM instructions counted so far in the run (only while an instruction budget is set).
        public var instructions: UInt64 { bkup_instructions(L) }
        public func stopForTimeout() { bkup_stop_async(L, BKUP_STOP_TIMEOUT, bkup_timeout_message(L)) }
        public func stopForInstructions() { bkup_stop_async(L, BKUP_STOP_INSTRUCTIONS, bkup_instructions_message(L)) }
        /// The deadline's message, as the state words it.
        public let timeoutMessage: String
        /// The message of an instruction stop made where no instruction can be counted.
        public let uncountedInstructionsMessage: String

        init(L: OpaquePointer) {
            self.L = L
            timeoutMessage = String(cString: bkup_timeout_message(L))
            uncountedInstructionsMessage = String(cString: bkup_instructions_message(L))
        }
    }

    /// Replaces `os.exit` with one that ends the run cleanly (the host closes, a dry run's
    /// summary is printed, output is flushed) instead of killing the process from inside Lua;
    /// or, with an `exitHandler` (the `bkup` command), one that ends the process as `lua` does.
    public func installCleanExit() throws {
        pushGlobal("os")
        defer { stack.pop() }
        guard lua_type(L, -1) == LUA_TTABLE else { return }
        stack.push(function: { call in
            let code: Int32
            switch call.type(1) {
            case .none, .nil: code = 0
            case .boolean: code = call.boolean(1) ? 0 : 1
            default: code = Int32(truncatingIfNeeded: try call.integer(1))
            }
            let state = call.state
            if let handler = state.exitHandler {
                // os.exit as lua.c's: the process ends here. With `close`, the running
                // coroutine's to-be-closed variables are closed first (lua.c's main chunk runs on
                // the main thread, which lua_close closes; bkup's runs in a task).
                let close = call.boolean(2)
                if close && bkup_is_task_thread(call.L) != 0 { _ = lua_resetthread(call.L) }
                handler(code, close)
            }
            state.stop(BKUP_STOP_EXIT, "exit", exitCode: code)
            return .none
        })
        stack.setField(-2, "exit")
    }
}

/// A deadline watchdog's handle on a state that may be gone by the time it fires.
private final class LateStop: @unchecked Sendable {
    weak var state: LuaState?
    init(state: LuaState) { self.state = state }

    func timeout(ifStill run: UInt64) {
        guard let state else { return }
        state.runGeneration.withLock { generation in
            guard generation == run, !state.isClosed else { return }
            bkup_stop_async(state.L, BKUP_STOP_TIMEOUT, bkup_timeout_message(state.L))
        }
    }
}

extension LuaState {
    /// For `os.exit(code, close)` in a program that owns its process: called instead of stopping
    /// the run; it must not return (it exits). `closeForExit()` closes the state first when asked.
    public var exitHandler: ((_ code: Int32, _ close: Bool) -> Void)? {
        get { extensions[ObjectIdentifier(ExitHandlerKey.self)].map { ($0 as! ExitHandlerBox).handler } }
        set { extensions[ObjectIdentifier(ExitHandlerKey.self)] = newValue.map(ExitHandlerBox.init) }
    }

    /// Closes the state for a process that exits right after (even from inside a close that is
    /// under way: a finalizer that calls os.exit).
    public func closeForExit() {
        isClosedForExit = true
        bkup_close_for_exit(L)
    }
}

private enum ExitHandlerKey {}
private final class ExitHandlerBox {
    let handler: (Int32, Bool) -> Void
    init(_ handler: @escaping (Int32, Bool) -> Void) { self.handler = handler }
}
