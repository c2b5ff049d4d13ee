import BackupsClient

/// Everything a host needs to know, from flags, environment or code.
public struct HostConfiguration: Sendable {
    public var endpoint: String?
    public var project: String?
    /// Never printed: `APIKey` redacts itself.
    public var apiKey: APIKey?
    public var selfSigned = false
    /// Where endpoint, project and key came from ("--endpoint", "APPWRITE_PROJECT_ID", ...),
    /// for `doctor`; and the key file, whose permissions it checks.
    public var origins: [String: String] = [:]
    public var keyFile: String?
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

    public init(endpoint: String? = nil, project: String? = nil, apiKey: APIKey? = nil) {
        self.endpoint = endpoint
        self.project = project
        self.apiKey = apiKey
    }

    public init(endpoint: String?, project: String?, apiKey: String?) {
        self.init(endpoint: endpoint, project: project, apiKey: apiKey.map(APIKey.init))
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
