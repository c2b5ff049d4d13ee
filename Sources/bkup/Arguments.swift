import BackupsModels
import BkupKit

/// The command line, parsed as `lua` parses its own (lua.c `collectargs`), plus bkup's long
/// options. Options stop at the script name; everything after it belongs to the script.
struct Arguments {
    enum Action {
        case execute(String)          // -e CODE
        case require(String, String)  // -l [global=]module
    }

    var actions: [Action] = []
    var interactive = false
    var showVersion = false
    var ignoreEnvironment = false
    var warnings = false
    /// --help / --version / --types DIR: answer and end, running nothing.
    var showHelp = false
    var showBkupVersion = false
    var typesDirectory: String?
    /// --fleet FILE: the script runs once per project of the fleet.
    var fleetFile: String?
    var fleetConcurrency = 4
    /// Index in argv of the script ("-" = stdin); nil when there is none.
    var scriptIndex: Int?
    var configuration = HostConfiguration()
    var keyFile: String?
    /// Where to write the script's results (or its error) as JSON, for a parent process.
    var resultFile: String?
    /// --plan-out FILE: where a dry run writes its plan.
    var planOut: String?
    var argv: [String]

    static let synopsis = "usage: bkup [options] [script [args]]"

    /// What a usage error prints after its message: as lua's, short.
    static func shortUsage(_ progname: String) -> String {
        synopsis.replacingOccurrences(of: "usage: bkup", with: "usage: \(progname)") + "\n(\(progname) --help lists the options)"
    }

    static func usage(_ progname: String) -> String {
        synopsis.replacingOccurrences(of: "usage: bkup", with: "usage: \(progname)") + "\n"
            + "Available options are:\n" + reader.helpText() + "\n" + Commands.summary
    }

    static let reader = OptionReader<Arguments>(sections: [
        OptionSection(title: "Lua's options", options: [
            Option("-e", value: "stat", help: "execute string 'stat'") { $0.actions.append(.execute($1)) },
            Option("-i", help: "enter interactive mode after executing 'script'") {
                $0.interactive = true
                $0.showVersion = true  // as lua.c: -i implies -v
                _ = $1
            },
            Option("-l", value: "mod", help: "require library 'mod' into global 'mod' (-l g=mod: into global 'g')") { a, spec in
                if let eq = spec.firstIndex(of: "=") {
                    a.actions.append(.require(String(spec[spec.index(after: eq)...]), String(spec[..<eq])))
                } else {
                    a.actions.append(.require(spec, spec))
                }
            },
            Option("-v", help: "show version information") { a, _ in a.showVersion = true },
            Option("-E", help: "ignore environment variables") { a, _ in a.ignoreEnvironment = true },
            Option("-W", help: "turn warnings on") { a, _ in a.warnings = true },
        ]),
        OptionSection(title: "The service", options: [
            Option("--endpoint", value: "URL", environment: "APPWRITE_ENDPOINT",
                   help: "Appwrite endpoint, e.g. https://cloud.appwrite.io/v1; none: the embedded emulator") {
                $0.configuration.endpoint = $1
                $0.configuration.origins["endpoint"] = "--endpoint"
            },
            Option("--project", value: "ID", environment: "APPWRITE_PROJECT_ID", help: "project ID") {
                $0.configuration.project = $1
                $0.configuration.origins["project"] = "--project"
            },
            Option("--key-file", value: "PATH", environment: "APPWRITE_API_KEY",
                   help: "file holding the API key (the variable holds the key itself)") { $0.keyFile = $1 },
            Option("--self-signed", environment: "APPWRITE_SELF_SIGNED", help: "accept a self-signed TLS certificate") { a, _ in
                a.configuration.selfSigned = true
            },
            Option("--ca-file", value: "PEM", help: "trust the certificate authorities in this file too (a private CA)") {
                $0.configuration.caFile = $1
            },
            Option("--dry-run", help: "print mutations as a plan instead of sending them") { a, _ in a.configuration.dryRun = true },
            Option("--plan-out", value: "FILE", help: "a dry run (implied) that writes its plan to FILE, for bkup apply FILE") {
                $0.planOut = $1
                $0.configuration.dryRun = true
            },
            Option("--concurrency", value: "N", help: "default concurrency of task.map (default 16)") {
                $0.configuration.concurrency = try OptionValue.integer($1, "--concurrency", in: 1...10_000, "a whole number from 1 to 10000")
            },
            Option("--verbose", help: "log each request (method, path, status, attempt, time) on stderr") { a, _ in
                a.configuration.verbose = true
            },
            Option("--endpoint-concurrency", value: "N", help: "requests in flight to one endpoint at most, across every connection") {
                $0.configuration.endpointConcurrency = try OptionValue.integer($1, "--endpoint-concurrency", in: 1...10_000, "a whole number from 1 to 10000")
            },
        ]),
        OptionSection(title: "Fleets", options: [
            Option("--fleet", value: "FILE", help: "run the script once per project of FILE (JSON, or Lua returning the same table)") {
                $0.fleetFile = $1
            },
            Option("--fleet-concurrency", value: "N", help: "projects at once under --fleet (default 4)") {
                $0.fleetConcurrency = try OptionValue.integer($1, "--fleet-concurrency", in: 1...1000, "a whole number from 1 to 1000")
            },
        ]),
        OptionSection(title: "Limits", options: [
            Option("--timeout", value: "SECONDS", help: "stop the script after this wall-clock time") {
                $0.configuration.limits.timeout = try OptionValue.real($1, "--timeout", Domains.timeout)
            },
            Option("--max-instructions", value: "N", help: "stop the script after N Lua instructions") {
                guard let n = OptionValue.count($1), n > 0 else {
                    throw UsageError(description: "--max-instructions: a positive whole number expected, got '\($1)'")
                }
                $0.configuration.limits.maxInstructions = n
            },
            Option("--max-memory", value: "BYTES", help: "stop the script when Lua holds more (suffixes K, M, G)") {
                guard let n = OptionValue.count($1), n >= 1 << 20, n < UInt64(Int.max) else {
                    throw UsageError(description: "--max-memory: bytes expected, at least 1M (suffixes K, M, G), got '\($1)'")
                }
                $0.configuration.limits.maxMemory = Int(n)
            },
            Option("--max-tasks", value: "N", help: "stop the script when more than N tasks are alive at once") {
                $0.configuration.limits.maxTasks = try OptionValue.integer($1, "--max-tasks", in: 1...Int.max, "a positive whole number")
            },
            Option("--sandbox", help: "no io, os.execute/remove/rename/exit/getenv, debug, native or binary code") { a, _ in
                a.configuration.sandbox = true
            },
        ]),
        OptionSection(title: "Output and information", options: [
            Option("--result-file", value: "PATH", help: "write the script's return values (or its error) there as JSON") { $0.resultFile = $1 },
            Option("--types", value: "DIR", help: "write editor types (LuaCATS) and a .luarc.json into DIR, then end") { $0.typesDirectory = $1 },
            // Not -h: lua answers that with "unrecognized option", and Lua's own tests check it.
            Option("--help", help: "show this help, then end") { a, _ in a.showHelp = true },
            Option("--version", help: "show bkup's and Lua's versions, then end") { a, _ in a.showBkupVersion = true },
        ]),
    ])

    init(_ argv: [String]) throws {
        self.argv = argv
        switch try Self.reader.read(argv, from: 1, into: &self) {
        case .operand(let i): scriptIndex = i
        case .afterDoubleDash(let i): if i < argv.count { scriptIndex = i }
        case .end: break
        }
    }

    /// The configuration as every command completes it: the key file read, APPWRITE_* filled
    /// in (unless -E), and the embedded emulator where no endpoint is set. Throws for an
    /// unreadable key file.
    func completedConfiguration() throws -> HostConfiguration {
        var c = configuration
        if let keyFile {
            c.apiKey = try APIKey.read(fromFile: keyFile)
            c.keyFile = keyFile
            c.origins["key"] = "--key-file \(keyFile)"
        }
        c.ignoreEnvironment = ignoreEnvironment
        if !ignoreEnvironment { c.fillFromEnvironment() }
        if c.endpoint == nil { c.emulatorStarter = EmbeddedEmulator.starter() }
        return c
    }

    var scriptName: String? { scriptIndex.map { argv[$0] } }
    var scriptArgs: [String] {
        guard let s = scriptIndex else { return [] }
        return Array(argv[(s + 1)...])
    }
    var hasExecute: Bool { actions.contains { if case .execute = $0 { return true } else { return false } } }
}
