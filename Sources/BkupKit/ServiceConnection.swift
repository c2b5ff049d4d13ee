import BackupsClient
import BackupsModels
import LuaRuntime

/// Where a host's requests go: resolved on first use, so that a script that never touches
/// the service never starts a client or the emulator.
public struct ServiceEndpoint: Sendable {
    public var endpoint: String
    public var project: String
    public var apiKey: APIKey
    /// A line for the one-time notice ("using the embedded emulator at ...").
    public var notice: String?
    public var isEmulator: Bool
    /// The endpoint as plans name it, when not the URL (the embedded emulator's port changes
    /// from run to run; its state file does not).
    public var planName: String?
    public init(endpoint: String, project: String, apiKey: APIKey, notice: String? = nil, isEmulator: Bool = false,
                planName: String? = nil) {
        self.planName = planName
        self.endpoint = endpoint
        self.project = project
        self.apiKey = apiKey
        self.notice = notice
        self.isEmulator = isEmulator
    }
}

/// One project on one endpoint as Lua sees it: every function of a `backups` table closes over
/// one connection, which starts its client on first use.
final class ServiceConnection {
    let configuration: HostConfiguration
    let scheduler: LuaScheduler
    let notice: (String) -> Void
    private var client: BackupsClient?
    private(set) var endpoint: ServiceEndpoint?

    init(configuration: HostConfiguration, scheduler: LuaScheduler, notice: @escaping (String) -> Void) {
        self.configuration = configuration
        self.scheduler = scheduler
        self.notice = notice
    }

    var isDryRun: Bool { configuration.planner != nil }

    func resolve() throws -> ServiceEndpoint {
        if let endpoint { return endpoint }
        let resolved = try configuration.resolveEndpoint()
        if let line = resolved.notice { notice(line) }
        endpoint = resolved
        return resolved
    }

    func theClient() throws -> BackupsClient {
        if let client { return client }
        let made = try configuration.makeClient(for: try resolve())
        client = made
        return made
    }

    func shutdown() {
        client = nil
    }

    /// Sends a request from Lua: the coroutine yields until the answer is there. In a dry run,
    /// the lines of what was planned are shown as answers arrive, on the host's thread.
    func send(_ call: LuaCall, _ request: BackupsRequest, deliver: @escaping (LuaStack, JSONValue) throws -> Int32) throws -> LuaReturn {
        let client = try theClient()
        guard configuration.planner != nil else {
            let gate = configuration.writeGate
            return try scheduler.await(call, operation: {
                try await gate?.admit(request)
                return try await client.send(request)
            }, deliver: deliver)
        }
        return try scheduler.await(call, operation: { try await client.send(request) }, deliver: { [self] stack, value in
            showPlannedLines()
            return try deliver(stack, value)
        })
    }

    /// Shows the lines of steps planned for this connection's project since the last call.
    func showPlannedLines() {
        guard let planner = configuration.planner, let client else { return }
        for line in planner.takeLines(for: client.planTarget) { notice(line) }
    }
}

extension HostConfiguration {
    /// Where this configuration's requests go: the endpoint, or the embedded emulator (started
    /// now, if that is where).
    public func resolveEndpoint() throws -> ServiceEndpoint {
        if let url = endpoint {
            if let problem = EndpointURL.problem(url, keySetting: settingNames.apiKey) { throw BackupsError.argument(problem) }
            guard let project else { throw BackupsError.argument("no project: set \(settingNames.project)") }
            guard let apiKey else { throw BackupsError.argument("no API key: set \(settingNames.apiKey)") }
            return ServiceEndpoint(endpoint: url, project: project, apiKey: apiKey)
        } else if let start = emulatorStarter {
            var started = try start()
            // backups.connect{project = ...} on the emulator: any name is a project of its own.
            if let emulatorProject { started.project = emulatorProject }
            return started
        }
        throw BackupsError.argument("no endpoint: set \(settingNames.endpoint)")
    }

    /// A client of `e` with this configuration's TLS, retry, concurrency and dry-run settings.
    public func makeClient(for e: ServiceEndpoint) throws -> BackupsClient {
        var c = ClientConfiguration(endpoint: e.endpoint, project: e.project, apiKey: e.apiKey)
        c.selfSigned = selfSigned
        c.caFile = caFile
        c.endpointConcurrency = endpointConcurrency
        if let requestTimeout {
            c.requestTimeout = requestTimeout
            // A connection that is never accepted says so, rather than that no answer came.
            c.connectTimeout = min(c.connectTimeout, requestTimeout)
        }
        if verbose { c.logger = StderrLog.logger(prefix: logPrefix) }
        if let retry { c.retry = retry }
        c.maxConnections = max(c.maxConnections, concurrency * 2)
        c.planner = planner
        c.planEndpoint = e.planName
        return try BackupsClient(configuration: c)
    }
}
