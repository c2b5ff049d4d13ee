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
    /// Index in argv of the script ("-" = stdin); nil when there is none.
    var scriptIndex: Int?
    var configuration = HostConfiguration()
    var keyFile: String?
    /// Where to write the script's results (or its error) as JSON, for a parent process.
    var resultFile: String?
    var argv: [String]

    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    static func usage(_ progname: String) -> String { usageText.replacingOccurrences(of: "usage: bkup", with: "usage: \(progname)") }

    static let usageText = """
        usage: bkup [options] [script [args]]
        Available options are:
          -e stat            execute string 'stat'
          -i                 enter interactive mode after executing 'script'
          -l mod             require library 'mod' into global 'mod'
          -l g=mod           require library 'mod' into global 'g'
          -v                 show version information
          -E                 ignore environment variables
          -W                 turn warnings on
          --                 stop handling options
          -                  stop handling options and execute stdin
          --endpoint URL     Appwrite endpoint (env APPWRITE_ENDPOINT); none: the embedded emulator
          --project ID       project ID (env APPWRITE_PROJECT_ID)
          --key-file PATH    file holding the API key (env APPWRITE_API_KEY)
          --self-signed      accept a self-signed TLS certificate (env APPWRITE_SELF_SIGNED)
          --dry-run          print mutations as a plan instead of sending them
          --concurrency N    default concurrency of task.map (default 16)
          --verbose          log each request (method, path, status, attempt, time) on stderr
          --timeout SECONDS  stop the script after this wall-clock time
          --max-instructions N   stop the script after N Lua instructions
          --max-memory BYTES stop the script when Lua holds more (suffixes K, M, G)
          --max-tasks N      stop the script when more than N tasks are alive at once
          --sandbox          no io, os.execute/remove/rename/exit/getenv, debug, native or binary code
          --result-file PATH write the script's return values (or its error) there as JSON
        bkup serve [--host 127.0.0.1] [--port 8080] [--data PATH | --in-memory] [--project ID]
                   [--key KEY] [--speed X] [--seed N]
                             run the local Backups emulator
        """

    init(_ argv: [String]) throws {
        self.argv = argv
        var i = 1
        func value(of option: String, attached: String?) throws -> String {
            if let attached { return attached }
            i += 1
            guard i < argv.count else { throw UsageError(description: "'\(option)' needs argument") }
            return argv[i]
        }
        while i < argv.count {
            let a = argv[i]
            if !a.hasPrefix("-") {
                scriptIndex = i
                break
            }
            if a == "-" {
                scriptIndex = i
                break
            }
            if a == "--" {
                if i + 1 < argv.count { scriptIndex = i + 1 }
                break
            }
            if a.hasPrefix("--") {
                let parts = a.split(separator: "=", maxSplits: 1).map(String.init)
                let name = parts[0]
                let attached = parts.count > 1 ? parts[1] : nil
                switch name {
                case "--endpoint": configuration.endpoint = try value(of: name, attached: attached)
                case "--project": configuration.project = try value(of: name, attached: attached)
                case "--key-file": keyFile = try value(of: name, attached: attached)
                case "--self-signed": configuration.selfSigned = true
                case "--dry-run": configuration.dryRun = true
                case "--verbose": configuration.verbose = true
                case "--concurrency":
                    let text = try value(of: name, attached: attached)
                    guard let n = Int(text), n >= 1, n <= 10_000 else {
                        throw UsageError(description: "--concurrency: a whole number from 1 to 10000 expected, got '\(text)'")
                    }
                    configuration.concurrency = n
                case "--timeout":
                    let text = try value(of: name, attached: attached)
                    guard let seconds = Double(text), seconds > 0, seconds.isFinite else {
                        throw UsageError(description: "--timeout: a positive number of seconds expected, got '\(text)'")
                    }
                    configuration.limits.timeout = seconds
                case "--max-instructions":
                    let text = try value(of: name, attached: attached)
                    guard let n = Self.count(text), n > 0 else {
                        throw UsageError(description: "--max-instructions: a positive whole number expected, got '\(text)'")
                    }
                    configuration.limits.maxInstructions = n
                case "--max-memory":
                    let text = try value(of: name, attached: attached)
                    guard let n = Self.count(text), n >= 1 << 20, n < UInt64(Int.max) else {
                        throw UsageError(description: "--max-memory: bytes expected, at least 1M (suffixes K, M, G), got '\(text)'")
                    }
                    configuration.limits.maxMemory = Int(n)
                case "--max-tasks":
                    let text = try value(of: name, attached: attached)
                    guard let n = Int(text), n >= 1 else {
                        throw UsageError(description: "--max-tasks: a positive whole number expected, got '\(text)'")
                    }
                    configuration.limits.maxTasks = n
                case "--sandbox": configuration.sandbox = true
                case "--result-file": resultFile = try value(of: name, attached: attached)
                default:
                    throw UsageError(description: "unrecognized option '\(a)'")
                }
                i += 1
                continue
            }
            let flag = String(a.prefix(2))
            let rest = a.count > 2 ? String(a.dropFirst(2)) : nil
            switch flag {
            case "-E" where rest == nil: ignoreEnvironment = true
            case "-W" where rest == nil: warnings = true
            case "-i" where rest == nil:
                interactive = true
                showVersion = true  // as lua.c: -i implies -v
            case "-v" where rest == nil: showVersion = true
            case "-e": actions.append(.execute(try value(of: "-e", attached: rest)))
            case "-l":
                let spec = try value(of: "-l", attached: rest)
                if let eq = spec.firstIndex(of: "=") {
                    actions.append(.require(String(spec[spec.index(after: eq)...]), String(spec[..<eq])))
                } else {
                    actions.append(.require(spec, spec))
                }
            default:
                throw UsageError(description: "unrecognized option '\(a)'")
            }
            i += 1
        }
    }

    /// A whole number with an optional binary suffix: 512, 64K, 256M, 2G, 1e9.
    static func count(_ text: String) -> UInt64? {
        let multipliers: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        var digits = Substring(text)
        var multiplier: UInt64 = 1
        if let last = text.last?.uppercased().first, let m = multipliers[last] {
            multiplier = m
            digits = digits.dropLast()
        }
        // 1e9 as well as 1000000000.
        guard let n = UInt64(digits) ?? Double(digits).flatMap({ $0 >= 0 && $0 < 1.8e19 && $0 == $0.rounded() ? UInt64($0) : nil })
        else { return nil }
        let (product, overflow) = n.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }

    var scriptName: String? { scriptIndex.map { argv[$0] } }
    var scriptArgs: [String] {
        guard let s = scriptIndex else { return [] }
        return Array(argv[(s + 1)...])
    }
    var hasExecute: Bool { actions.contains { if case .execute = $0 { return true } else { return false } } }
}
