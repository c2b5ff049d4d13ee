import BkupKit
import LuaRuntime

#if canImport(Glibc)
import Glibc
#endif

/// `bkup [options] [script [args...]]`: runs Lua the way `lua` does, inside a BkupHost.
enum ScriptCommand {
    static var version: String { BkupVersion.banner }

    static func run(_ argv: [String]) -> Int32 {
        let args: Arguments
        do {
            args = try Arguments(argv)
        } catch {
            StandardStreams.writeError("bkup: \(error)\n\(Arguments.usage)\n")
            return 2
        }
        var configuration = args.configuration
        do {
            if let keyFile = args.keyFile { configuration.apiKey = try APIKey.read(fromFile: keyFile) }
        } catch {
            StandardStreams.writeError("bkup: --key-file: \(error)\n")
            return 2
        }
        if !args.ignoreEnvironment { configuration.fillFromEnvironment() }

        if configuration.endpoint == nil { configuration.emulatorStarter = EmbeddedEmulator.starter() }
        let host: BkupHost
        do {
            host = try BkupHost(configuration: configuration)
        } catch {
            StandardStreams.writeError("bkup: \(error)\n")
            return 1
        }
        let dryRun = configuration.dryRun
        let summary = host.dryRunSummaryReader
        let guardian = RunGuard(host: host, limits: configuration.limits, lastWords: { dryRun ? [summary()] : [] })
        guardian.start()
        let results = ResultFile(path: args.resultFile, host: host)
        defer {
            guardian.stateClosing()
            host.close()
        }
        if args.warnings { try? host.run(string: "warn('@on')") }

        host.lua.setArgTable(argv: args.argv, scriptIndex: args.scriptIndex)

        if args.showVersion { print(version) }
        if let status = host.lua.interruptingOnSIGINT({ run(args, in: host, results: results) }) { return status }
        return REPL(host: host, guardian: guardian).run()
    }

    /// Runs the -e and -l actions and the script; nil means "go on into the REPL".
    static func run(_ args: Arguments, in host: BkupHost, results: ResultFile) -> Int32? {
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

        if let script = args.scriptName {
            let status = report(results) { try host.run(file: script == "-" ? nil : script, args: args.scriptArgs) }
            if let status { return status }
        }

        let noWork = args.scriptIndex == nil && !args.hasExecute && !args.showVersion
        if args.interactive || (noWork && isatty(0) != 0) {
            return nil
        } else if noWork {
            if let status = report(results, { try host.run(file: nil) }) { return status }
        }
        StandardStreams.flush()
        return 0
    }

    /// Runs `body`. Returns nil to go on, or the exit status to end with: 1 after an error
    /// (printed as `lua` prints it: `bkup: msg` and the traceback), or os.exit's status.
    static func report(_ results: ResultFile, _ body: () throws -> [JSONValue]) -> Int32? {
        do {
            results.succeeded(try body())
            return nil
        } catch let exit as LuaExit {
            StandardStreams.flush()
            results.exited(exit.code)
            return exit.code
        } catch let error as LuaError {
            StandardStreams.writeError("bkup: \(error.description)\n")
            results.failed(error.message)
        } catch {
            StandardStreams.writeError("bkup: \(error)\n")
            results.failed("\(error)")
        }
        return 1
    }
}
