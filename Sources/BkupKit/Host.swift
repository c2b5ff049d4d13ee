@_exported import BackupsModels
@_exported import BackupsClient
@_exported import LuaRuntime
import Foundation

/// A Lua host with bkup's modules: what the `bkup` command runs scripts in, and what other
/// Swift ops tooling embeds.
///
///     let host = try BkupHost(configuration: .init(endpoint: url, project: "p", keyFile: path))
///     let printed = PrintedLines()
///     host.output = printed.append
///     let results = try host.run(string: "return backups.config.project")
///
/// Runs take turns: a run (and `register`, and `close`) waits for the one in progress, whatever
/// thread it comes from; `interrupt()` may be called from any thread. The closures a host calls
/// (`output`, `notice`, registered functions) run on the thread that runs the script (an async
/// run has one of its own), so they are `@Sendable`. See AsyncHost.swift for async runs.
public final class BkupHost {
    /// The Lua state itself, for what the host does not offer (its own `LuaCall`-level
    /// functions, userdata classes). Use it only from inside a run or between runs.
    public let lua: LuaState
    public let scheduler: LuaScheduler
    /// The configuration as the host uses it: `keyFile` read into `apiKey`, a dry run's planner.
    public let configuration: HostConfiguration

    /// Receives each line the script writes to standard output, without its newline: `print`,
    /// `io.write` and `io.stdout:write` alike (set `outputIncludesIO` to false to leave io's
    /// writes on the process's standard output). A line io leaves unended arrives when the run
    /// ends. The key is redacted first. nil: everything goes to the process's standard output.
    public var output: (@Sendable (String) -> Void)? {
        get { outputSink }
        set {
            outputSink = newValue
            withRunLock { lua.printHandler = newValue }
        }
    }
    private var outputSink: (@Sendable (String) -> Void)?

    /// Whether `io.write` and `io.stdout` reach `output` too (default true).
    public var outputIncludesIO: Bool {
        get { lua.ioWritesToPrintHandler }
        set { withRunLock { lua.ioWritesToPrintHandler = newValue } }
    }

    /// Receives one-line notices meant for a human (stderr by default): the embedded emulator's
    /// address, a dry run's planned steps, failures of tasks nobody waited for.
    public var notice: @Sendable (String) -> Void = { message in StandardStreams.writeError(message + "\n") }

    let backups: ServiceConnection
    let progress: ProgressBar

    /// Limits for each run (from the configuration; may be changed between runs).
    public var limits: RunLimits {
        didSet {
            lua.memoryLimit = limits.maxMemory
            scheduler.maxTasks = limits.maxTasks
        }
    }

    /// Why the last run stopped early (a limit, an interrupt, os.exit), or nil.
    public private(set) var lastStop: StopReason?

    /// Held for each run (recursive: a registered function may run Lua through the host).
    private let runLock = NSRecursiveLock()
    /// Called as a run starts, after the last interrupt was cleared (AsyncHost's cancellation).
    var onRunStart: (() -> Void)?

    func withRunLock<T>(_ body: () throws -> T) rethrows -> T {
        runLock.lock()
        defer { runLock.unlock() }
        return try body()
    }

    /// A host for `configuration`, which is checked first: a `keyFile` is read (when no
    /// `apiKey` is given), and a setting the host cannot use (a key file it cannot read, a
    /// malformed endpoint, a key that cannot be sent, a limit out of its domain) throws a
    /// ``HostConfigurationError`` naming the setting and why.
    public init(configuration: HostConfiguration = HostConfiguration()) throws {
        var configuration = try configuration.checked()
        if configuration.dryRun && configuration.planner == nil { configuration.planner = Planner() }
        // An embedding program's own key and endpoint are the operator's (unless bound already).
        configuration.trust.bindOperator(of: configuration)
        self.configuration = configuration
        if let key = configuration.apiKey { Secrets.shared.register(key) }
        lua = try LuaState(memoryLimit: configuration.limits.maxMemory, ignoreEnvironment: configuration.ignoreEnvironment)
        lua.setLimitNames(configuration.settingNames.limits)
        // Whatever a script prints or warns, a known API key never leaves the host.
        lua.textFilter = { Secrets.shared.redact($0) }
        scheduler = LuaScheduler.of(lua)
        limits = configuration.limits
        scheduler.maxTasks = limits.maxTasks
        progress = ProgressBar(enabled: configuration.progress ?? ProgressBar.stderrIsTerminal)
        var forward: (String) -> Void = { _ in }
        backups = ServiceConnection(configuration: configuration, scheduler: scheduler, notice: { forward($0) })
        lua.openJSONModule()
        let progress = self.progress
        let drawProgress: PageCursor.Progress = { done, total, failures, finished in
            progress.update(done: done, total: total, failures: failures, finished: finished)
        }
        try lua.openTaskModule(defaultConcurrency: configuration.concurrency, progress: drawProgress)
        lua.pushGlobal("task")
        try EmbeddedChunks.run("bkup._task", in: lua, nargs: 1)
        QueryModule.open(lua)
        CronModule.open(lua)
        TerminalModule.open(lua, color: configuration.color)
        EditorTypeFiles.open(lua)
        ErrorBox.register(in: lua)
        try RecordValues.install(lua)
        try installSearchers()
        BackupsModule.push(backups, on: lua.stack, progress: drawProgress)
        try runPrelude()
        lua.registerModule("backups")
        try lua.installCleanExit()
        if configuration.sandbox { try applySandbox() }
        forward = { [unowned self] line in self.notice(Secrets.shared.redact(line)) }
        scheduler.onUnobservedFailure = { [weak self] error in
            self?.notice(Secrets.shared.redact("bkup: a spawned task failed and nobody waited for it: \(error.message)"))
        }
    }

    deinit { close() }

    /// Cancels what is in flight and closes the Lua state. In a dry run, says what was planned.
    public func close() {
        runLock.lock()
        defer { runLock.unlock() }
        guard !lua.isClosed else { return }
        if let planner = configuration.planner {
            backups.showPlannedLines()
            notice(planner.summary)
        }
        scheduler.cancelAll(reason: "host closed")
        lua.close()
        backups.shutdown()
    }

    /// What a dry run planned so far ("dry run: 2 creates, ...").
    public var dryRunSummary: String { configuration.planner?.summary ?? "" }

    /// Reads the dry run's summary from any thread (for a watchdog's last words).
    public var dryRunSummaryReader: @Sendable () -> String {
        let planner = configuration.planner
        return { planner?.summary ?? "" }
    }

    /// A dry run's plan so far, with the script that made it (nil when this is not a dry run).
    public func plan(script: String? = nil, arguments: [String] = []) -> Plan? {
        configuration.planner?.plan(script: script, arguments: arguments)
    }

    /// Stops the running script at its next instruction (`interrupted!`), cancelling every
    /// request in flight. Safe from any thread.
    public func interrupt() { lua.interrupt() }

    /// Runs Lua source as a chunk with `args` as `...`; returns what it returns.
    @discardableResult
    public func run(string source: String, chunkName: String = "=(string)", args: [String] = []) throws -> [JSONValue] {
        var bytes = Array(source.utf8)
        return try run(bytes: &bytes, chunkName: chunkName, args: args)
    }

    /// Runs a Lua file (a `#!` first line is skipped) with `args` as `...`; nil reads standard
    /// input, as `lua -` does.
    @discardableResult
    public func run(file path: String?, args: [String] = []) throws -> [JSONValue] {
        runLock.lock()
        defer { runLock.unlock() }
        let top = lua.stack.top
        defer { lua.stack.setTop(top) }
        try lua.load(file: path)
        return try runLoaded(args: args)
    }

    /// Runs a script as `lua` runs its script argument: its arguments are the values of the
    /// global `arg` at 1...#arg when it starts (which -e code may have changed); nil reads
    /// standard input.
    @discardableResult
    public func runScript(file path: String?) throws -> [JSONValue] {
        runLock.lock()
        defer { runLock.unlock() }
        let top = lua.stack.top
        defer { lua.stack.setTop(top) }
        try lua.load(file: path)
        return try runPrepared(nargs: try lua.pushArgumentsFromArgTable())
    }

    /// As `runScript(file:)`, for a script held in memory (a `#!` line must already be gone).
    @discardableResult
    public func runScript(bytes: inout [UInt8], chunkName: String) throws -> [JSONValue] {
        runLock.lock()
        defer { runLock.unlock() }
        let top = lua.stack.top
        defer { lua.stack.setTop(top) }
        try lua.load(bytes: &bytes, chunkName: chunkName)
        return try runPrepared(nargs: try lua.pushArgumentsFromArgTable())
    }

    @discardableResult
    public func run(bytes: inout [UInt8], chunkName: String, args: [String] = []) throws -> [JSONValue] {
        runLock.lock()
        defer { runLock.unlock() }
        let top = lua.stack.top
        defer { lua.stack.setTop(top) }
        try lua.load(bytes: &bytes, chunkName: chunkName)
        return try runLoaded(args: args)
    }

    private func runLoaded(args: [String]) throws -> [JSONValue] {
        for a in args { lua.stack.push(.string(a)) }
        return try runPrepared(nargs: Int32(args.count))
    }

    /// Runs the function below `nargs` arguments on top of `lua`'s stack (popped) as the main
    /// task, then every task it spawned; returns its results.
    @discardableResult
    public func runPrepared(nargs: Int32) throws -> [JSONValue] {
        runLock.lock()
        defer { runLock.unlock() }
        lua.clearInterrupt()
        lastStop = nil
        lua.startRun(limits: limits)
        onRunStart?()
        // After the tasks (and their threads' stacks) are released, so that a stopped run's
        // garbage can be collected.
        defer { endRun() }
        do {
            return try runMainTask(nargs: nargs)
        } catch let error as LuaError {
            throw error.mapText { Secrets.shared.redact($0) }
        }
    }

    private func runMainTask(nargs: Int32) throws -> [JSONValue] {
        let main: LuaScheduler.Task
        do {
            main = try scheduler.runMain(nargs: nargs)
        } catch let error as LuaError {
            throw stopError(traceback: error.traceback, kind: error.kind) ?? error
        }
        // A stop that only a spawned task met still ends the run with its error.
        if let error = stopError(traceback: "") { throw error }
        return (try? scheduler.results(of: main)) ?? []
    }

    /// The error a stopped run ends with: LuaExit for os.exit, a `.limit` or `.interrupted`
    /// LuaError carrying the stop's own message (not whatever a pcall made of it).
    private func stopError(traceback: String, kind: LuaError.Kind? = nil) -> (any Error)? {
        guard let stop = lua.stopReason else {
            // An allocation over the cap that Lua raised before any hook could run.
            if kind == .memory && limits.maxMemory > 0 {
                lastStop = .memory
                return LuaError(kind: .limit, message: lua.memoryLimitMessage(limits.maxMemory), traceback: traceback)
            }
            return nil
        }
        lastStop = stop
        switch stop {
        case .exit(let code): return LuaExit(code: code)
        case .interrupted: return LuaError(kind: .interrupted, message: lua.stopMessage, traceback: traceback)
        default: return LuaError(kind: .limit, message: lua.stopMessage, traceback: traceback)
        }
    }

    /// Leaves the state ready for the next run: limits off, and after a memory stop the
    /// garbage of the stopped run collected.
    private func endRun() {
        let stopped = lastStop != nil || lua.stopReason != nil
        lua.flushOutput()
        lua.endRun()
        lua.clearInterrupt()
        if stopped { lua.collectGarbage() }
    }

    /// `require(name)`, and sets the global `global` (default: name) to the result, as `lua -l`.
    public func require(_ name: String, as global: String? = nil) throws {
        try lua.require(name)
        lua.setGlobalFromTop(global ?? name)
    }

    // MARK: modules

    /// The Lua half of the backups module (waiting, the library, config), run on the module
    /// table on top of the stack (left there).
    private func runPrelude() throws {
        lua.stack.pushCopy(of: -1)
        try EmbeddedChunks.run("backups._prelude", in: lua, nargs: 1)
    }

    /// Removes everything that reaches outside the host: files, processes, the environment,
    /// native code, bytecode and the debug library.
    private func applySandbox() throws {
        try EmbeddedChunks.run("bkup._sandbox", in: lua)
    }

    /// How `require` finds modules: stdlib/bkup/_searchers.lua.
    private func installSearchers() throws {
        lua.stack.push(function: EmbeddedChunks.searcher)
        lua.pushRegisteredModules()
        try EmbeddedChunks.run("bkup._searchers", in: lua, nargs: 2)
    }
}

