import BkupJSON
import CLua
import CLuaBridge

/// The handle `task.spawn` returns.
final class TaskHandle {
    let task: LuaScheduler.Task
    init(_ task: LuaScheduler.Task) { self.task = task }
}

extension LuaState {
    /// Opens the `task` module: `spawn(fn, ...)`, `handle:wait()`, `sleep(seconds)`,
    /// `map(list, fn, {concurrency=, progress=})`, `now()`.
    /// `progress` is called as progress(done, total, failures) when the map asks for it.
    public func openTaskModule(defaultConcurrency: Int = 16,
                               progress: ((_ done: Int, _ total: Int, _ failures: Int, _ finished: Bool) -> Void)? = nil) throws {
        let scheduler = LuaScheduler.of(self)
        var handleClass = LuaClass<TaskHandle>(name: "task.Handle")
        handleClass.methods["wait"] = { handle, call in
            try scheduler.wait(for: handle.task, in: call)
        }
        handleClass.fields = { handle, key, call in
            switch key {
            case "status": call.push(handle.task.status.rawValue); return true
            case "id": call.push(Int64(handle.task.id)); return true
            default: return false
            }
        }
        handleClass.tostring = { "task #\($0.task.id) (\($0.task.status.rawValue))" }
        register(handleClass)

        pushModule([
            "spawn": { (call: LuaCall) throws -> LuaReturn in
                try call.checkFunction(1)
                let task = try scheduler.spawn(from: call.stack, nargs: call.count - 1)
                call.stack.push(object: TaskHandle(task), className: "task.Handle")
                return .values(1)
            },
            "sleep": { (call: LuaCall) throws -> LuaReturn in
                let seconds = try call.number(1)
                guard seconds.isFinite, seconds >= 0 else {
                    throw LuaArgumentError(index: 1, "non-negative number of seconds expected")
                }
                let nanos = UInt64(min(seconds, 1e9) * 1e9)
                return try scheduler.await(call, operation: {
                    try await _Concurrency.Task.sleep(nanoseconds: nanos)
                    return true
                }, deliver: { _, _ in 0 })
            },
            "_progress": { (call: LuaCall) throws -> LuaReturn in
                let done = Int(try call.integer(1))
                let total = Int(try call.integer(2))
                let failures = Int(try call.integer(3))
                progress?(done, total, failures, call.boolean(4))
                return .none
            },
            "now": { (call: LuaCall) throws -> LuaReturn in
                // Monotonic seconds, for timeouts and rates (os.time has one-second steps).
                lua_pushnumber(call.L, Double(ContinuousClock.now.nanosecondsSinceStart) / 1e9)
                return .values(1)
            },
            "_default_concurrency": { (call: LuaCall) throws -> LuaReturn in call.push(Int64(defaultConcurrency)) },
        ])
        registerModule("task")
    }
}


extension ContinuousClock.Instant {
    private static let processStart = ContinuousClock.now
    var nanosecondsSinceStart: Int64 {
        let d = self - Self.processStart
        return d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }
}
