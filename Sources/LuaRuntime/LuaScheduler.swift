import BkupJSON
import CLua
import CLuaBridge

/// Runs Lua code in coroutines and Swift async work concurrently with it, OpenResty-style:
/// a binding that does I/O starts the work and yields; when the work completes (on another
/// thread) its result comes back through the inbox and the coroutine is resumed with it. Code
/// reads sequentially while many requests are in flight.
///
/// Where a coroutine cannot yield to the scheduler (the main thread, a user's own
/// `coroutine.wrap`, a metamethod called from C), the call waits in place instead: the scheduler
/// keeps running the other tasks until the result is there.
public final class LuaScheduler {
    public final class Task {
        public enum Status: String { case ready, running, waiting, done, failed }
        public let id: Int
        let thread: OpaquePointer
        let anchor: LuaRef
        public internal(set) var status: Status = .ready
        var waiters: [Task] = []
        var resultCount: Int32 = 0
        public internal(set) var error: LuaError?
        var errorObserved = false
        /// Why the last yield happened: a scheduler wait, or a plain `coroutine.yield`.
        var awaitingScheduler = false

        init(id: Int, thread: OpaquePointer, anchor: LuaRef) {
            self.id = id
            self.thread = thread
            self.anchor = anchor
        }

        public var isFinished: Bool { status == .done || status == .failed }
    }

    private struct Pending {
        weak var task: Task?
        let deliver: (LuaStack, any Sendable) throws -> Int32
        let cancel: @Sendable () -> Void
        var outcome: Result<any Sendable, any Error>?
    }

    typealias Resumption = (OpaquePointer) -> Int32

    unowned let state: LuaState
    private let inbox = Inbox()
    private var ready: [(Task, Resumption)] = []
    private var readyHead = 0
    private var pending: [Int: Pending] = [:]
    private var nextID = 1
    private var tasks: [Task] = []
    public private(set) var current: Task?
    /// Unobserved failures of tasks nobody waited for (reported after a run).
    public var onUnobservedFailure: ((LuaError) -> Void)?
    /// Largest number of tasks alive at once (0 = unlimited).
    public var maxTasks = 0

    public init(state: LuaState) {
        self.state = state
    }

    /// The scheduler attached to a state (created on first use).
    public static func of(_ state: LuaState) -> LuaScheduler {
        let key = ObjectIdentifier(LuaScheduler.self)
        if let s = state.extensions[key] as? LuaScheduler { return s }
        let s = LuaScheduler(state: state)
        state.extensions[key] = s
        return s
    }

    public var inFlight: Int { pending.count }
    public var liveTasks: Int { tasks.count }

    // MARK: tasks

    /// Creates a task from the function and `nargs` arguments on top of `stack` (popped).
    @discardableResult
    public func spawn(from stack: LuaStack, nargs: Int32) throws -> Task {
        if maxTasks > 0 && tasks.count >= maxTasks {
            lua_settop(stack.L, lua_gettop(stack.L) - nargs - 1)
            let message = state.taskLimitMessage(maxTasks)
            state.stop(BKUP_STOP_TASKS, message)
            throw LuaSchedulerError(message)
        }
        let co = lua_newthread(stack.L)!
        bkup_mark_task_thread(stack.L, -1)
        let anchor = stack.popRef()
        lua_xmove(stack.L, co, nargs + 1)
        let task = Task(id: nextID, thread: co, anchor: anchor)
        nextID += 1
        tasks.append(task)
        enqueue(task) { _ in nargs }
        return task
    }

    private func enqueue(_ task: Task, _ resumption: @escaping Resumption) {
        task.status = .ready
        ready.append((task, resumption))
    }

    private func resume(_ task: Task, _ resumption: Resumption) {
        let co = task.thread
        let previous = current
        current = task
        task.status = .running
        task.awaitingScheduler = false
        let nargs = resumption(co)
        var nres: Int32 = 0
        let status = bkup_resume(previous?.thread ?? state.L, co, nargs, &nres)
        current = previous
        switch status {
        case LUA_OK:
            task.status = .done
            task.resultCount = nres
            finish(task)
        case LUA_YIELD:
            if task.awaitingScheduler {
                task.status = .waiting
            } else {
                // A plain coroutine.yield at the top of a task: give others a turn.
                lua_settop(co, lua_gettop(co) - nres)
                enqueue(task) { _ in 0 }
            }
        default:
            _ = lua_checkstack(co, 2)
            bkup_traceback(co, co, 0)
            let traceback = String(cString: bkup_tostring(co, -1))
            bkup_pop(co, 1)
            task.error = LuaState.popError(LuaStack(co), status: status, traceback: traceback)
            task.status = .failed
            finish(task)
        }
    }

    private func finish(_ task: Task) {
        if let i = tasks.firstIndex(where: { $0 === task }) { tasks.remove(at: i) }
        let waiters = task.waiters
        task.waiters = []
        if !waiters.isEmpty { task.errorObserved = true }
        if task.status == .failed && waiters.isEmpty { unobservedCandidates.append(task) }
        for waiter in waiters {
            enqueue(waiter) { co in 1 + self.pushOutcome(of: task, onto: co) }
        }
    }

    /// Pushes (true, results...) or (false, error) minus the leading flag count: returns the
    /// number of values after the flag.
    private func pushOutcome(of task: Task, onto L: OpaquePointer) -> Int32 {
        if task.status == .done {
            lua_pushboolean(L, 1)
            let n = task.resultCount
            _ = lua_checkstack(L, n + 1)
            _ = lua_checkstack(task.thread, n + 1)
            let base = lua_gettop(task.thread) - n
            for i in 0..<n { lua_pushvalue(task.thread, base + 1 + i) }
            lua_xmove(task.thread, L, n)
            return n
        }
        lua_pushboolean(L, 0)
        task.error?.payload?.push(L)
        if task.error?.payload == nil { lua_pushstring(L, task.error?.message ?? "task failed") }
        return 1
    }

    /// Results of a finished task, as JSON values.
    public func results(of task: Task) throws -> [JSONValue] {
        guard task.status == .done else { return [] }
        let n = task.resultCount
        let base = lua_gettop(task.thread) - n
        return try (0..<n).map { try LuaStack(task.thread).value(at: base + 1 + $0) }
    }

    /// `handle:wait()` from Lua: results, the task's error raised, or a yield until it ends.
    public func wait(for task: Task, in call: LuaCall) throws -> LuaReturn {
        if task === current && call.L == task.thread {
            throw LuaSchedulerError("a task cannot wait for itself")
        }
        if !task.isFinished {
            if canYield(call) {
                let me = current!
                me.awaitingScheduler = true
                task.waiters.append(me)
                return .yield
            }
            try runUntil { task.isFinished }
        }
        task.errorObserved = true
        if task.status == .failed, let error = task.error { throw error }
        let n = pushOutcome(of: task, onto: call.L)
        bkup_remove(call.L, -(n + 1))  // the `true` flag
        return .values(n)
    }

    // MARK: async work

    func canYield(_ call: LuaCall) -> Bool {
        guard let current else { return false }
        return call.L == current.thread && lua_isyieldable(call.L) != 0
    }

    /// Starts `operation` off the Lua thread. The calling coroutine yields until it completes
    /// (or waits in place where it cannot yield); then `deliver` pushes the results on the
    /// caller's stack. A thrown error is raised in the caller.
    public func await<T: Sendable>(
        _ call: LuaCall,
        operation: @escaping @Sendable () async throws -> T,
        deliver: @escaping (LuaStack, T) throws -> Int32
    ) throws -> LuaReturn {
        if state.checkStop() {
            let message = state.stopMessage
            _ = bkup_consume_signal(state.L)  // a Ctrl-C is one error
            throw LuaSchedulerError(message)
        }
        let id = nextID
        nextID += 1
        let inbox = self.inbox
        let work = _Concurrency.Task {
            do {
                let value = try await operation()
                inbox.post(id, .success(value))
            } catch {
                inbox.post(id, .failure(error))
            }
        }
        let deliverAny: (LuaStack, any Sendable) throws -> Int32 = { stack, value in
            try deliver(stack, value as! T)
        }
        if canYield(call) {
            let me = current!
            me.awaitingScheduler = true
            pending[id] = Pending(task: me, deliver: deliverAny, cancel: { work.cancel() })
            return .yield
        }
        pending[id] = Pending(task: nil, deliver: deliverAny, cancel: { work.cancel() })
        try runUntil { self.pending[id]?.outcome != nil }
        let outcome = pending.removeValue(forKey: id)!.outcome!
        switch outcome {
        case .success(let value): return .values(try deliverAny(call.stack, value))
        case .failure(let error): throw error
        }
    }

    private func complete(_ id: Int, _ result: Result<any Sendable, any Error>) {
        guard var op = pending[id] else { return }
        guard let task = op.task else {
            op.outcome = result
            pending[id] = op
            return
        }
        pending[id] = nil
        enqueue(task) { co in
            let base = lua_gettop(co)
            switch result {
            case .success(let value):
                lua_pushboolean(co, 1)
                do {
                    return 1 + (try op.deliver(LuaStack(co), value))
                } catch {
                    lua_settop(co, base)
                    return LuaScheduler.pushFailure(co, error)
                }
            case .failure(let error):
                return LuaScheduler.pushFailure(co, error)
            }
        }
    }

    /// Pushes (false, error value) for a Swift error; for a bad argument, what the trampoline's
    /// continuation raises as lauxlib would.
    static func pushFailure(_ L: OpaquePointer, _ error: any Error) -> Int32 {
        _ = lua_checkstack(L, 4)
        lua_pushboolean(L, 0)
        if let bad = error as? LuaArgumentError {
            lua_pushlightuserdata(L, bkup_argerror_marker())
            lua_pushinteger(L, lua_Integer(bad.index))
            lua_pushstring(L, bad.message)
            return 4
        }
        pushErrorValue(L, error)
        return 2
    }

    // MARK: the loop

    /// Runs tasks and delivers completions until `done()` holds.
    public func runUntil(_ done: () -> Bool) throws {
        while !done() {
            if state.checkStop() {
                cancelAll(reason: state.stopMessage)
                // A Ctrl-C is one error, as in lua.c: the requests it cancelled carry it.
                _ = bkup_consume_signal(state.L)
            }
            if readyHead < ready.count {
                let (task, resumption) = ready[readyHead]
                readyHead += 1
                if readyHead > 64 && readyHead * 2 > ready.count {
                    ready.removeFirst(readyHead)
                    readyHead = 0
                }
                resume(task, resumption)
                continue
            }
            if pending.isEmpty {
                if done() { return }
                throw LuaSchedulerError("deadlock: every task is waiting and no work is in flight")
            }
            for item in inbox.take(waitingUpTo: 50) {
                complete(item.id, item.result)
            }
            state.collectReleasedRefs()
        }
    }

    /// Runs the function and `nargs` arguments on top of the main stack as the main task, then
    /// every task it spawned. Throws the main task's error.
    public func runMain(nargs: Int32) throws -> Task {
        let main = try spawn(from: state.stack, nargs: nargs)
        defer {
            reportUnobserved()
            // Finished tasks must not stay reachable from the queue: their threads hold stacks.
            if readyHead >= ready.count {
                ready.removeAll(keepingCapacity: true)
                readyHead = 0
            }
        }
        try runUntil { main.isFinished }
        if main.status == .failed {
            main.errorObserved = true
            cancelAll(reason: main.error?.message ?? "main task failed")
            try? runUntil { self.tasks.isEmpty && self.pending.isEmpty }
            throw main.error!
        }
        try runUntil { self.tasks.isEmpty }
        // A Ctrl-C that stopped only spawned tasks (the main chunk had finished, or was not
        // waiting for them) is still the run's one `interrupted!`, as the main chunk's would be.
        if let stopped = unobservedCandidates.first(where: { !$0.errorObserved && $0.error.map(Self.isSignal) == true }) {
            stopped.errorObserved = true
            throw stopped.error!
        }
        return main
    }

    /// The error a Ctrl-C raises (lua.c's message), in whichever task it reached.
    static func isSignal(_ error: LuaError) -> Bool { error.message == "interrupted!" }

    private var unobservedCandidates: [Task] = []

    /// Failures of tasks nobody waited for would otherwise vanish silently.
    private func reportUnobserved() {
        let failed = unobservedCandidates.filter { !$0.errorObserved }
        unobservedCandidates.removeAll()
        // After a stop, every task died of it: the run's own error says so once.
        if state.isInterrupted { return }
        // A Ctrl-C is said once, by the run's own error: the tasks it stopped are not failures.
        for task in failed { if let error = task.error, !Self.isSignal(error) { onUnobservedFailure?(error) } }
    }

    /// Cancels every request in flight; their tasks resume with an error.
    public func cancelAll(reason: String) {
        for (id, op) in pending where op.outcome == nil {
            op.cancel()
            complete(id, .failure(LuaSchedulerError(reason)))
        }
    }
}

public struct LuaSchedulerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Pushes one Lua value standing for a Swift error.
func pushErrorValue(_ L: OpaquePointer, _ error: any Error) {
    _ = lua_checkstack(L, 4)
    switch error {
    case let e as LuaError where e.payload?.owner === LuaState.from(L):
        e.payload!.push(L)
    case let e as LuaErrorConvertible:
        let top = lua_gettop(L)
        e.pushLuaError(LuaStack(L))
        lua_settop(L, top + 1)
    default:
        lua_pushstring(L, String(describing: error))
    }
}
