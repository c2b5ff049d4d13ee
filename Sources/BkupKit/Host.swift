@_exported import BackupsClient
@_exported import LuaRuntime

/// A Lua host with bkup's modules: what the `bkup` command runs scripts in, and what other
/// Swift ops tooling embeds.
///
///     let host = try BkupHost(configuration: .init(endpoint: url, project: "p", apiKey: key))
///     host.output = { line in log.append(line) }
///     let results = try host.run(string: "return backups.config.project")
///
/// A host is used from one thread at a time; `interrupt()` may be called from any thread.
public final class BkupHost {
    public let lua: LuaState
    public let scheduler: LuaScheduler
    public let configuration: HostConfiguration

    /// Receives each line `print` writes; nil prints to standard output.
    public var output: ((String) -> Void)? {
        get { lua.printHandler }
        set { lua.printHandler = newValue }
    }

    /// Receives one-line notices meant for a human (stderr by default).
    public var notice: (String) -> Void = { message in StandardStreams.writeError(message + "\n") }

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

    public init(configuration: HostConfiguration = HostConfiguration()) throws {
        self.configuration = configuration
        if let key = configuration.apiKey { Secrets.shared.register(key) }
        lua = try LuaState(memoryLimit: configuration.limits.maxMemory, ignoreEnvironment: configuration.ignoreEnvironment)
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
        QueryModule.open(lua)
        CronModule.open(lua)
        ErrorBox.register(in: lua)
        try RecordValues.install(lua)
        try installSearchers()
        try loadStdlib()
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
        guard !lua.isClosed else { return }
        if configuration.dryRun { notice(backups.plan.summary) }
        scheduler.cancelAll(reason: "host closed")
        lua.close()
        backups.shutdown()
    }

    /// What a dry run planned so far ("dry run: 2 creates, ...").
    public var dryRunSummary: String { backups.plan.summary }

    /// Reads the dry run's summary from any thread (for a watchdog's last words).
    public var dryRunSummaryReader: @Sendable () -> String {
        let counts = backups.plan.counts
        return { counts.summary }
    }

    /// Stops the running script at its next instruction (`interrupted!`), cancelling every
    /// request in flight. Safe from any thread.
    public func interrupt() { lua.interrupt() }

    /// Registers a Swift function as a global.
    public func register(_ name: String, _ function: @escaping LuaFunction) {
        lua.setGlobal(name, function: function)
    }

    /// Registers a module of Swift functions: a global, and `require`-able.
    public func register(module name: String, _ functions: [String: LuaFunction]) {
        lua.pushModule(functions)
        lua.registerModule(name)
    }

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
        let top = lua.stack.top
        defer { lua.stack.setTop(top) }
        try lua.load(file: path)
        return try runPrepared(nargs: try lua.pushArgumentsFromArgTable())
    }

    @discardableResult
    public func run(bytes: inout [UInt8], chunkName: String, args: [String] = []) throws -> [JSONValue] {
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
        lua.clearInterrupt()
        lastStop = nil
        lua.startRun(limits: limits)
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
                return LuaError(kind: .limit, message: LuaState.memoryLimitMessage(limits.maxMemory), traceback: traceback)
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

    /// Each stdlib module is compiled on its first `require`, not at start-up.
    private func loadStdlib() throws {
        for module in EmbeddedStdlib.modules where !module.name.hasSuffix("._prelude") {
            try lua.preload(module.name, source: module.source, chunkName: module.path)
        }
    }

    /// The Lua half of the backups module (waiting, the library, config), run on the module
    /// table on top of the stack (left there).
    private func runPrelude() throws {
        guard let prelude = EmbeddedStdlib.modules.first(where: { $0.name == "backups._prelude" }) else { return }
        let module = lua.ref(at: -1)
        try lua.load(prelude.source, chunkName: "@" + prelude.path)
        module.push()
        try lua.pcall(nargs: 1, nresults: 0)
    }

    /// Removes everything that reaches outside the host: files, processes, the environment,
    /// native code, bytecode and the debug library.
    private func applySandbox() throws {
        try lua.load(
            """
            io = nil
            debug = nil
            dofile, loadfile = nil, nil
            package.loaded.io, package.loaded.debug = nil, nil
            for _, name in ipairs({ "execute", "remove", "rename", "exit", "getenv", "tmpname", "setlocale" }) do
              os[name] = nil
            end
            package.loadlib = nil
            package.searchpath = nil  -- it tells whether any file on the machine exists
            package.cpath = ""
            package.path = ""
            -- Built-in modules only: the preload searcher and the aliases of bkup's old names.
            local searchers = package.searchers
            local aliases = searchers[#searchers]
            for i = #searchers, 2, -1 do searchers[i] = nil end
            searchers[2] = aliases
            local rawload = load
            load = function(chunk, chunkname, mode, env)
              if mode ~= nil and mode ~= "t" then
                error("load: only text chunks are allowed in the sandbox (mode '" .. tostring(mode) .. "')", 2)
              end
              return rawload(chunk, chunkname, "t", env)
            end
            """, chunkName: "=[sandbox]")
        try lua.pcall(nargs: 0, nresults: 0)
    }

    /// Users' own modules are found through package.path (LUA_PATH is honoured), but loaded in
    /// text mode only: a precompiled chunk is refused. After every other searcher, bkup's old
    /// module names (`args`, `dates`, ...) lead to their `bkup.` modules, so that a user's own
    /// module of the same name still wins.
    private func installSearchers() throws {
        try lua.load(
            """
            local searchers, searchpath, path, require = package.searchers, package.searchpath, package, require
            searchers[2] = function(name)
              local file, err = searchpath(name, path.path)
              if not file then return err end  -- require puts "\\n\\t" in front
              local chunk, loadErr = loadfile(file, "t")
              if not chunk then
                error(string.format("error loading module '%s' from file '%s':\\n\\t%s", name, file, loadErr), 2)
              end
              return chunk, file
            end
            local aliases = { args = "bkup.args", dates = "bkup.dates", pretty = "bkup.pretty", help = "bkup.help",
                              repl = "bkup.repl" }
            searchers[#searchers + 1] = function(name)
              local target = aliases[name]
              if not target then return nil end
              return function() return require(target) end, ":" .. target
            end
            """, chunkName: "=[searchers]")
        try lua.pcall(nargs: 0, nresults: 0)
    }
}

