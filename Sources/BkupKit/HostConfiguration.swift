import BackupsClient
import Foundation
import LuaRuntime

/// Everything a host needs to know, from flags, environment or code. `BkupHost` checks it
/// before it starts (see `checked()`): what it cannot use is refused, with the reason.
public struct HostConfiguration: Sendable {
    /// Appwrite's API, e.g. `https://cloud.appwrite.io/v1`; nil: `emulatorStarter`'s.
    public var endpoint: String?
    public var project: String?
    /// Never printed: `APIKey` redacts itself.
    public var apiKey: APIKey?
    /// A file holding the API key alone: the host reads it when no `apiKey` is given (and
    /// `doctor` checks that others cannot read it).
    public var keyFile: String?
    public var selfSigned = false
    /// Where endpoint, project and key came from ("--endpoint", "APPWRITE_PROJECT_ID", ...),
    /// for `doctor`.
    public var origins: [String: String] = [:]
    /// What the host's user calls the settings, for messages that say what to set: by default
    /// this struct's own names; the command line gives its flags.
    public var settingNames = SettingNames()
    /// A PEM file of certificate authorities to trust besides the system's (a private CA).
    public var caFile: String?
    public var dryRun = false
    /// Where a dry run's steps go; nil: the host makes its own. Hosts that share one (the
    /// projects of a fleet) make one plan together.
    public var planner: Planner?
    public var concurrency = 16
    /// The project on the embedded emulator (any name is a project of its own there).
    public var emulatorProject: String?
    /// Requests in flight to this endpoint at most, across every connection and host of the
    /// process (nil: no budget beyond each task.map's own concurrency).
    public var endpointConcurrency: Int?
    /// Seconds a request may take before it counts as failed (and is retried); nil: the
    /// client's default (30).
    public var requestTimeout: Double?
    /// Time, instruction, memory and task limits for each run (none by default).
    public var limits = RunLimits()
    /// No io, no os.execute/remove/rename/exit/getenv/tmpname, no package.loadlib or file
    /// searchers, no debug, no dofile/loadfile, and load in text mode only. For scripts the
    /// embedding tool did not write; print and the backups modules remain.
    public var sandbox = false
    public var verbose = false
    /// The standard libraries ignore LUA_PATH, LUA_CPATH and their versioned names (`lua -E`).
    public var ignoreEnvironment = false
    /// Colours in report pictures; nil: when stdout is a terminal and NO_COLOR is not set.
    public var color: Bool?
    /// Progress bars for task.map; nil draws them when stderr is a terminal.
    public var progress: Bool?
    public var retry: RetryPolicy?
    /// Where requests go when no endpoint is configured (the `bkup` command starts its
    /// embedded emulator here). Called once, on first use.
    public var emulatorStarter: (@Sendable () throws -> ServiceEndpoint)?
    /// What files other people write may name, and where the operator's key may go (see
    /// `TrustRule`); bound to this configuration's own key and endpoint on first use.
    public var trust = TrustRule()
    /// In front of each `--verbose` line ("[eu-prod] "): a fleet's project.
    public var logPrefix = ""
    /// The check a fleet's first write waits for (see `WriteGate`); nil: none.
    public var writeGate: WriteGate?

    /// The service to connect to: the key given itself (`APIKey(text)`) or in a file.
    public init(endpoint: String? = nil, project: String? = nil, apiKey: APIKey? = nil, keyFile: String? = nil) {
        self.endpoint = endpoint
        self.project = project
        self.apiKey = apiKey
        self.keyFile = keyFile
    }

    /// The connection settings in this configuration.
    public var connection: ConnectionSettings {
        get { ConnectionSettings(endpoint: endpoint, project: project, apiKey: apiKey, selfSigned: selfSigned ? true : nil) }
        set {
            endpoint = newValue.endpoint
            project = newValue.project
            apiKey = newValue.apiKey
            selfSigned = newValue.selfSigned ?? false
        }
    }

    /// Fills what flags left unset from APPWRITE_* (see `ConnectionSettings.fromEnvironment`).
    public mutating func fillFromEnvironment() {
        let before = (endpoint, project, apiKey)
        connection = connection.filling(from: .fromEnvironment())
        if before.0 == nil, endpoint != nil { origins["endpoint"] = "APPWRITE_ENDPOINT" }
        if before.1 == nil, project != nil { origins["project"] = "APPWRITE_PROJECT_ID" }
        if before.2 == nil, apiKey != nil { origins["key"] = "APPWRITE_API_KEY" }
    }
}

/// What the host's user calls each setting, for the messages that tell them what to set
/// (`no API key: set ...`) and the limits' messages (`time limit exceeded: ... (--timeout)`).
public struct SettingNames: Sendable, Equatable {
    public var endpoint = "the configuration's endpoint"
    public var project = "the configuration's project"
    public var apiKey = "the configuration's apiKey or keyFile"
    /// Named after a limit's message in parentheses; none by default.
    public var limits = LimitNames()

    public init() {}

    public init(endpoint: String, project: String, apiKey: String, limits: LimitNames) {
        self.endpoint = endpoint
        self.project = project
        self.apiKey = apiKey
        self.limits = limits
    }
}

/// A setting a host cannot use, and why: `keyFile: cannot read the key file /etc/ops/key`.
public struct HostConfigurationError: Error, CustomStringConvertible, Sendable {
    /// The setting, as `HostConfiguration` names it (`keyFile`, `limits.timeout`).
    public let setting: String
    public let reason: String
    public var description: String { "\(setting): \(reason)" }
}

extension HostConfiguration {
    /// The configuration as a host uses it: the key file read (when no key is given), and
    /// every setting within what a host can use. Throws for the first that is not.
    public func checked() throws(HostConfigurationError) -> HostConfiguration {
        let c = try withKeyRead()
        func refuse(_ setting: String, _ reason: String) -> HostConfigurationError {
            HostConfigurationError(setting: setting, reason: reason)
        }
        if let problem = c.apiKey?.headerProblem { throw refuse(c.keyFile != nil && apiKey == nil ? "keyFile" : "apiKey", problem) }
        if let endpoint, let problem = EndpointURL.problem(endpoint, keySetting: settingNames.apiKey) { throw refuse("endpoint", problem) }
        if !(limits.timeout.isFinite && limits.timeout >= 0) {
            throw refuse("limits.timeout", "\(limits.timeout) is not a number of seconds (0 for none)")
        }
        if limits.maxMemory < 0 || (limits.maxMemory > 0 && limits.maxMemory < 1 << 20) {
            throw refuse("limits.maxMemory", "\(limits.maxMemory) bytes: Lua and bkup's modules need at least 1 MiB (1 << 20); 0 for no limit")
        }
        if limits.maxTasks < 0 { throw refuse("limits.maxTasks", "\(limits.maxTasks) is below 0 (0 for no limit)") }
        if !(1...10_000).contains(concurrency) { throw refuse("concurrency", "\(concurrency) is not from 1 to 10000") }
        if let n = endpointConcurrency, !(1...10_000).contains(n) { throw refuse("endpointConcurrency", "\(n) is not from 1 to 10000") }
        if let t = requestTimeout, !(t.isFinite && t > 0) { throw refuse("requestTimeout", "\(t) is not a positive number of seconds") }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) { throw refuse("caFile", "cannot read '\(caFile)'") }
        return c
    }

    /// The configuration with the key of `keyFile` as `apiKey`, when no key is given.
    public func withKeyRead() throws(HostConfigurationError) -> HostConfiguration {
        guard apiKey == nil, let path = keyFile else { return self }
        var c = self
        do { c.apiKey = try APIKey.read(fromFile: path) } catch { throw HostConfigurationError(setting: "keyFile", reason: error.description) }
        return c
    }
}
