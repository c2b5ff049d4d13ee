import BkupCommandLine
import BkupKit
import LuaRuntime

#if canImport(Glibc)
import Glibc
#endif

/// `bkup [options] [script [args...]]`: runs Lua the way `lua` does (lua.c's pmain: options,
/// -v, -E, the `arg` table, LUA_INIT, -e and -l in order, the script, the REPL), inside a
/// BkupHost. The root of the command tree: the other commands are its subcommands.
enum ScriptCommand {
    /// As lua.c's: argv[0], in front of every message outside the REPL.
    nonisolated(unsafe) static var progname = "bkup"

    /// Its own options: information that answers and ends.
    struct Options: CommandOptions {
        var showBkupVersion = false
        var typesDirectory: String?
    }

    static func command(subcommands: [Command<Arguments>]) -> Command<Arguments> {
        Command(
            "bkup", usage: ["[options] [script [args]]"], summary: "run a script",
            about: "Runs a Lua script ('-': standard input) as lua does, with Appwrite's Backups service bound in; "
                + "no script, no -e and a terminal: the REPL. Options read the same before or after a command's name; "
                + "what follows a script (or bkup run NAME) is the script's.",
            options: [OptionSection("Information", [
                Option("--types", value: "DIR", help: "write editor types (LuaCATS) and a .luarc.json into DIR, then end") { $0.typesDirectory = $1 },
                Option("--version", help: "show bkup's and Lua's versions, then end") { o, _ in o.showBkupVersion = true },
            ])],
            // Not -h: lua answers that with "unrecognized option", and Lua's own tests check it.
            globals: Arguments.scriptSections, operands: .script, helpNames: ["--help"], subcommands: subcommands
        ) { (invocation: Invocation<Arguments>, own: Options) in
            if own.showBkupVersion {
                print(BkupVersion.banner)
                return 0
            }
            if let directory = own.typesDirectory { return TypesCommand.write(into: directory) }
            return run(invocation.global.running(invocation.argv, scriptAt: invocation.operandIndex))
        }
    }

    /// `embedded`: a built-in script (`bkup run NAME`) standing where a script file would.
    static func run(_ args: Arguments, embedded: RunCommand.Script? = nil) -> Int32 {
        if let first = args.argv.first, !first.isEmpty { progname = first }
        let configuration: HostConfiguration
        do { configuration = try args.completedConfiguration() } catch {
            StandardStreams.writeError("\(progname): \(error)\n")
            return 2
        }
        if args.fleetFile != nil { return FleetCommand.run(args, configuration: configuration, embedded: embedded) }
        let host: BkupHost
        do {
            host = try BkupHost(configuration: configuration)
        } catch {
            StandardStreams.writeError("\(progname): \(error)\n")
            return 1
        }
        let dryRun = configuration.dryRun
        let summary = host.dryRunSummaryReader
        let guardian = RunGuard(host: host, limits: configuration.limits, lastWords: { dryRun ? [summary()] : [] })
        guardian.start()
        let results = ResultFile(path: args.resultFile, host: host)
        let planOut = args.planOut
        let scriptName = embedded.map { "bkup run \($0.name)" } ?? args.scriptName
        let writePlan = { (status: Int32) -> Int32 in
            guard let planOut else { return status }
            return PlanOutput.write(host.plan(script: scriptName, arguments: args.scriptArgs), to: planOut, status: status)
        }
        host.lua.exitHandler = { code, close in
            // os.exit ends the process, as in lua: the state closes first if asked (running
            // finalizers and to-be-closed variables), a dry run's summary is printed either way.
            StandardStreams.flush()
            let code = writePlan(code)
            results.exited(code)
            if dryRun { StandardStreams.writeError(summary() + "\n") }
            guardian.stateClosing()
            if close { host.lua.closeForExit() }
            exit(code)
        }
        defer {
            guardian.stateClosing()
            host.close()
        }
        if args.warnings { _ = try? host.run(string: "warn('@on')") }
        if args.showVersion { print(BkupVersion.banner) }
        host.lua.setArgTable(argv: args.argv, scriptIndex: args.scriptIndex)

        if let status = host.lua.interruptingOnSIGINT({ run(args, in: host, results: results, embedded: embedded) }) { return writePlan(status) }
        return writePlan(REPL(host: host, guardian: guardian, versionShown: args.showVersion).run())
    }

    /// LUA_INIT, then the -e and -l actions, then the script; nil means "go on into the REPL".
    static func run(_ args: Arguments, in host: BkupHost, results: ResultFile, embedded: RunCommand.Script?) -> Int32? {
        if !args.ignoreEnvironment, let status = runLuaInit(host, results) { return status }
        for action in args.actions {
            let status: Int32?
            switch action {
            case .execute(let code):
                status = report(results) { try host.run(string: code, chunkName: "=(command line)") }
            case .require(let module, let global):
                status = report(results) { try host.require(module, as: global); return [] }
            }
            if let status { return status }
        }

        if let embedded {
            var chunk = embedded.chunk
            if let status = report(results, { try host.runScript(bytes: &chunk, chunkName: "@\(embedded.name).lua") }) { return status }
        } else if let index = args.scriptIndex {
            // "-" is standard input, unless it follows "--" (then it is a file named "-").
            let script = args.argv[index]
            let stdin = script == "-" && args.argv[index - 1] != "--"
            if let status = report(results, { try host.runScript(file: stdin ? nil : script) }) { return status }
        }

        let noWork = args.scriptIndex == nil && !args.hasExecute && !(args.showVersion && !args.interactive)
        if args.interactive || (noWork && isatty(0) != 0) {
            return nil
        } else if noWork {
            if let status = report(results, { try host.run(file: nil) }) { return status }
        }
        StandardStreams.flush()
        return 0
    }

    /// LUA_INIT_5_4 or else LUA_INIT: Lua code, or `@file`, run before anything else.
    static func runLuaInit(_ host: BkupHost, _ results: ResultFile) -> Int32? {
        for name in ["LUA_INIT_5_4", "LUA_INIT"] {
            guard let pointer = getenv(name) else { continue }
            let code = String(cString: pointer)
            return report(results) {
                if code.hasPrefix("@") { return try host.run(file: String(code.dropFirst())) }
                return try host.run(string: code, chunkName: "=" + name)
            }
        }
        return nil
    }

    /// Runs `body`. Returns nil to go on, or the exit status to end with: 1 after an error
    /// (printed as `lua` prints it: `progname: msg` and the traceback), or os.exit's status.
    static func report(_ results: ResultFile, _ body: () throws -> [JSONValue]) -> Int32? {
        do {
            results.succeeded(try body())
            return nil
        } catch let exit as LuaExit {
            StandardStreams.flush()
            results.exited(exit.code)
            return exit.code
        } catch let error as LuaError {
            StandardStreams.writeError("\(progname): \(error.asLuaPrintsIt)\n")
            results.failed(error.message)
        } catch {
            StandardStreams.writeError("\(progname): \(error)\n")
            results.failed("\(error)")
        }
        return 1
    }
}
