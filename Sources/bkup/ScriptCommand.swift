import BkupKit
import CLua
import CLuaBridge
import LuaRuntime

#if canImport(Glibc)
import Glibc
#endif

/// `bkup [options] [script [args...]]`: runs Lua the way `lua` does, inside a BkupHost.
enum ScriptCommand {
    static let version = "bkup \(bkupVersion) (\(String(cString: bkup_lua_release())))"

    static func run(_ argv: [String]) -> Int32 {
        let args: Arguments
        do {
            args = try Arguments(argv)
        } catch {
            writeStderr("bkup: \(error)\n\(Arguments.usage)\n")
            return 2
        }
        var configuration = args.configuration
        do {
            try Environment.apply(to: &configuration, keyFile: args.keyFile, ignoreEnvironment: args.ignoreEnvironment)
        } catch {
            writeStderr("bkup: \(error)\n")
            return 2
        }

        if configuration.endpoint == nil { configuration.emulatorStarter = EmbeddedStart.starter() }
        let host: BkupHost
        do {
            host = try BkupHost(configuration: configuration)
        } catch {
            writeStderr("bkup: \(error)\n")
            return 1
        }
        defer { host.close() }
        if args.warnings { try? host.run(string: "warn('@on')") }

        host.lua.stack.push(argTable: args)
        host.lua.setGlobalFromTop("arg")

        if args.showVersion { print(version) }
        bkup_install_sigint(host.lua.L)
        defer { bkup_restore_sigint() }

        for action in args.actions {
            let status: Int32?
            switch action {
            case .execute(let code):
                status = report { try host.run(string: code, chunkName: "=(command line)") }
            case .require(let module, let global):
                status = report { try host.require(module, as: global) }
            }
            if let status { return status }
        }

        if let script = args.scriptName {
            let status = report {
                if script == "-" {
                    var bytes = readStandardInput()
                    try host.run(bytes: &bytes, chunkName: "=stdin", args: args.scriptArgs)
                } else {
                    try host.run(file: script, args: args.scriptArgs)
                }
            }
            if let status { return status }
        }

        let noWork = args.scriptIndex == nil && !args.hasExecute && !args.showVersion
        if args.interactive || (noWork && isatty(0) != 0) {
            bkup_restore_sigint()
            return REPL(host: host).run()
        } else if noWork {
            var bytes = readStandardInput()
            if let status = report({ try host.run(bytes: &bytes, chunkName: "=stdin") }) { return status }
        }
        StandardStreams.flush()
        return 0
    }

    /// Runs `body`. Returns nil to go on, or the exit status to end with: 1 after an error
    /// (printed as `lua` prints it: `bkup: msg` and the traceback), or os.exit's status.
    static func report(_ body: () throws -> Void) -> Int32? {
        do {
            try body()
            return nil
        } catch let exit as LuaExit {
            StandardStreams.flush()
            return exit.code
        } catch let error as LuaError {
            writeStderr("bkup: \(error.description)\n")
        } catch {
            writeStderr("bkup: \(error)\n")
        }
        return 1
    }
}

extension LuaStack {
    /// The global `arg`, as lua.c's createargtable: the script at 0, the interpreter and
    /// options at negative indices, the script's arguments from 1.
    func push(argTable args: Arguments) {
        let base = args.scriptIndex ?? 0
        lua_createtable(L, Int32(max(0, args.argv.count - base - 1)), Int32(base + 1))
        for (i, a) in args.argv.enumerated() {
            pushString(a)
            lua_rawseti(L, -2, lua_Integer(i - base))
        }
    }
}
