import BackupsClient
import BackupsModels
import BkupCommandLine
import Foundation
import LuaRuntime

/// The options of bkup's command line that set up a host, declared once. Every command that
/// reads them (the script form, `run`, `doctor`, `apply`) takes these sections whole, before or
/// after its name; help and the man page print them; and `IsolatedRun` hands the same settings
/// to its child through each option's `arguments`, so a new option is one entry here.
public struct HostOptions: CommandOptions, Sendable {
    public var configuration = HostConfiguration()
    /// --key-file: read when the configuration is completed.
    public var keyFile: String?
    /// --fleet FILE: the script runs once per project of the fleet.
    public var fleetFile: String?
    /// --fleet-concurrency N (nil: 4).
    public var fleetConcurrency: Int?
    /// --plan-out FILE: where a dry run writes its plan.
    public var planOut: String?
    /// --summary-json FILE: a fleet run's summary as JSON, for CI.
    public var summaryJSON: String?
    /// --no-preflight: a fleet's first write (or an apply) does not wait for a check of every project.
    public var noPreflight = false
    /// --result-file PATH: where the script's results (or its error) go as JSON, for a parent process.
    public var resultFile: String?

    public init() {}

    public init(configuration: HostConfiguration) {
        self.configuration = configuration
    }

    public mutating func validate() throws {
        if fleetConcurrency != nil && fleetFile == nil {
            throw UsageError("--fleet-concurrency: it sets how many projects of a fleet run at once, so it needs --fleet FILE")
        }
        if summaryJSON != nil && fleetFile == nil {
            throw UsageError("--summary-json: it writes the summary of a fleet run, so it needs --fleet FILE")
        }
    }

    public static let service = OptionSection<HostOptions>("The service", [
        Option("--endpoint", value: "URL", environment: "APPWRITE_ENDPOINT",
               help: "Appwrite endpoint, e.g. https://cloud.appwrite.io/v1; none: the embedded emulator",
               arguments: { $0.configuration.endpoint.map { ["--endpoint", $0] } ?? [] }) {
            if let problem = EndpointURL.problem($1) { throw UsageError("--endpoint: \(problem)") }
            $0.configuration.endpoint = $1
            $0.configuration.origins["endpoint"] = "--endpoint"
        },
        Option("--project", value: "ID", environment: "APPWRITE_PROJECT_ID", help: "project ID",
               arguments: { $0.configuration.project.map { ["--project", $0] } ?? [] }) {
            // It travels in a header: a line break would be one of its own.
            guard !$1.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw UsageError("--project: a project ID is printable text (no line break or control character)")
            }
            $0.configuration.project = $1
            $0.configuration.origins["project"] = "--project"
        },
        // The key itself reaches a child through its environment, never its command line.
        Option("--key-file", value: "PATH", environment: "APPWRITE_API_KEY",
               help: "file holding the API key (the variable holds the key itself)", arguments: { _ in [] }) { $0.keyFile = $1 },
        Option("--self-signed", environment: "APPWRITE_SELF_SIGNED", help: "accept a self-signed TLS certificate",
               arguments: { $0.configuration.selfSigned ? ["--self-signed"] : [] }) { o, _ in o.configuration.selfSigned = true },
        Option("--ca-file", value: "PEM", help: "trust the certificate authorities in this file too (a private CA)",
               arguments: { $0.configuration.caFile.map { ["--ca-file", $0] } ?? [] }) {
            guard FileManager.default.isReadableFile(atPath: $1) else { throw UsageError("--ca-file: cannot read '\($1)'") }
            $0.configuration.caFile = $1
        },
        Option("--concurrency", value: "N", help: "default concurrency of task.map (default 16)",
               arguments: { ["--concurrency", String($0.configuration.concurrency)] }) {
            $0.configuration.concurrency = try OptionValue.integer($1, "--concurrency", in: 1...10_000, "a whole number from 1 to 10000")
        },
        Option("--endpoint-concurrency", value: "N", help: "requests in flight to one endpoint at most, across every connection",
               arguments: { $0.configuration.endpointConcurrency.map { ["--endpoint-concurrency", String($0)] } ?? [] }) {
            $0.configuration.endpointConcurrency = try OptionValue.integer($1, "--endpoint-concurrency", in: 1...10_000, "a whole number from 1 to 10000")
        },
        Option("--request-timeout", value: "SECONDS", help: "how long one request may take before it counts as failed and is retried (default 30)",
               arguments: { $0.configuration.requestTimeout.map { ["--request-timeout", String($0)] } ?? [] }) {
            $0.configuration.requestTimeout = try OptionValue.seconds($1, "--request-timeout")
        },
        Option("--verbose", help: "log each request (method, path, status, attempt, time) on stderr",
               arguments: { $0.configuration.verbose ? ["--verbose"] : [] }) { o, _ in o.configuration.verbose = true },
    ])

    public static let plans = OptionSection<HostOptions>("Dry runs and plans", [
        Option("--dry-run", help: "print mutations as a plan instead of sending them",
               arguments: { $0.configuration.dryRun ? ["--dry-run"] : [] }) { o, _ in o.configuration.dryRun = true },
        Option("--plan-out", value: "FILE", help: "a dry run (implied) that writes its plan to FILE, for bkup apply FILE",
               arguments: { $0.planOut.map { ["--plan-out", $0] } ?? [] }) {
            if let problem = outputFileProblem($1) { throw UsageError("--plan-out: \(problem)") }
            $0.planOut = $1
            $0.configuration.dryRun = true
        },
    ])

    public static let fleet = OptionSection<HostOptions>("Fleets", [
        Option("--fleet", value: "FILE", help: "run the script once per project of FILE (JSON, or Lua returning the same table)") {
            $0.fleetFile = $1
        },
        Option("--fleet-concurrency", value: "N", help: "projects at once under --fleet (default 4)") {
            $0.fleetConcurrency = try OptionValue.integer($1, "--fleet-concurrency", in: 1...1000, "a whole number from 1 to 1000")
        },
        Option("--key-dir", value: "DIR", help: "a fleet file may name key files in DIR too, not only in its own folder (repeatable)") {
            do throws(TrustError) { try $0.configuration.trust.allowKeyFolder($1) } catch { throw UsageError("--key-dir: \(error)") }
        },
        Option("--key-env", value: "NAME", help: "a fleet file may name the variable NAME as keyEnv, besides BKUP_KEY_* (repeatable)") {
            do throws(TrustError) { try $0.configuration.trust.allowKeyVariable($1) } catch { throw UsageError("--key-env: \(error)") }
        },
        Option("--no-preflight", help: "do not check every project's key and scopes before the first write (fleets, apply)") { o, _ in
            o.noPreflight = true
        },
        Option("--summary-json", value: "FILE", help: "write the fleet's summary (each project's status) to FILE as JSON") {
            if let problem = outputFileProblem($1) { throw UsageError("--summary-json: \(problem)") }
            $0.summaryJSON = $1
        },
    ])

    public static let limits = OptionSection<HostOptions>("Limits", [
        Option("--timeout", value: "SECONDS", help: "stop the script after this wall-clock time",
               arguments: { $0.configuration.limits.timeout > 0 ? ["--timeout", String($0.configuration.limits.timeout)] : [] }) {
            $0.configuration.limits.timeout = try OptionValue.real($1, "--timeout", Domains.timeout)
        },
        Option("--max-instructions", value: "N", help: "stop the script after N Lua instructions",
               arguments: { $0.configuration.limits.maxInstructions > 0 ? ["--max-instructions", String($0.configuration.limits.maxInstructions)] : [] }) {
            $0.configuration.limits.maxInstructions = try OptionValue.count($1, "--max-instructions", in: 1...UInt64.max, "a positive whole number")
        },
        Option("--max-memory", value: "BYTES", help: "stop the script when Lua holds more (suffixes K, M, G)",
               arguments: { $0.configuration.limits.maxMemory > 0 ? ["--max-memory", String($0.configuration.limits.maxMemory)] : [] }) {
            $0.configuration.limits.maxMemory = Int(try OptionValue.count($1, "--max-memory", in: 1 << 20...UInt64(Int.max - 1),
                                                                          "bytes from 1M (suffixes K, M, G)"))
        },
        Option("--max-tasks", value: "N", help: "stop the script when more than N tasks are alive at once",
               arguments: { $0.configuration.limits.maxTasks > 0 ? ["--max-tasks", String($0.configuration.limits.maxTasks)] : [] }) {
            $0.configuration.limits.maxTasks = try OptionValue.integer($1, "--max-tasks", in: 1...Int.max, "a positive whole number")
        },
        Option("--sandbox", help: "no io, os.execute/remove/rename/exit/getenv, debug, native or binary code",
               arguments: { $0.configuration.sandbox ? ["--sandbox"] : [] }) { o, _ in o.configuration.sandbox = true },
    ])

    /// --result-file: the option a parent process reads a child's results through.
    public static let resultFileOption = Option<HostOptions>(
        "--result-file", value: "PATH", help: "write the script's return values (or its error) there as JSON") { $0.resultFile = $1 }

    public static let output = OptionSection<HostOptions>("Output", [resultFileOption])

    /// The sections a child bkup is given whole (`IsolatedRun`): where to connect, how to send,
    /// the dry run, the limits.
    public static let handedOn = [service, plans, limits]

    /// The arguments that give these settings to another bkup, from each option's declaration.
    public func arguments(in sections: [OptionSection<HostOptions>] = HostOptions.handedOn) -> [String] {
        sections.flatMap { $0.options.flatMap { $0.arguments(for: self) ?? [] } }
    }

    /// The configuration as a command uses it: the key file read, and APPWRITE_* filling what
    /// the options left unset (unless `ignoringEnvironment`, as `-E` asks), checked as the
    /// options are. Throws a `UsageError` naming the option or variable.
    public func completedConfiguration(ignoringEnvironment: Bool) throws -> HostConfiguration {
        var c = configuration
        c.settingNames = .commandLine
        if let keyFile {
            do { c.apiKey = try APIKey.read(fromFile: keyFile) } catch { throw UsageError("--key-file: \(error)") }
            c.keyFile = keyFile
            c.origins["key"] = "--key-file \(keyFile)"
        }
        c.ignoreEnvironment = ignoringEnvironment
        if !ignoringEnvironment {
            c.fillFromEnvironment()
            if c.origins["endpoint"] == "APPWRITE_ENDPOINT", let endpoint = c.endpoint, let problem = EndpointURL.problem(endpoint) {
                throw UsageError("APPWRITE_ENDPOINT: \(problem)")
            }
        }
        return c
    }
}

extension SettingNames {
    /// The command line's names: its flags and variables.
    public static let commandLine = SettingNames(
        endpoint: "--endpoint or APPWRITE_ENDPOINT", project: "--project or APPWRITE_PROJECT_ID", apiKey: "--key-file or APPWRITE_API_KEY",
        limits: LimitNames(timeout: "--timeout", instructions: "--max-instructions", memory: "--max-memory", tasks: "--max-tasks"))
}

/// Why a file a run writes at its end (a plan, a fleet's summary) could not be written, said
/// before the run starts: a run of an hour must not end in "cannot write" with exit status 0.
func outputFileProblem(_ path: String) -> String? {
    let folder = (path as NSString).deletingLastPathComponent
    let directory = folder.isEmpty ? "." : folder
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
        return "cannot write \(path): there is no folder \(directory)"
    }
    guard access(directory, W_OK) == 0 else { return "cannot write \(path): the folder \(directory) is not writable" }
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        return "cannot write \(path): it is a folder"
    }
    return nil
}
