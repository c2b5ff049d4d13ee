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
    public init(endpoint: String, project: String, apiKey: APIKey, notice: String? = nil, isEmulator: Bool = false) {
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
    var plan = DryRunPlan()

    init(configuration: HostConfiguration, scheduler: LuaScheduler, notice: @escaping (String) -> Void) {
        self.configuration = configuration
        self.scheduler = scheduler
        self.notice = notice
    }

    var isDryRun: Bool { configuration.dryRun }

    func resolve() throws -> ServiceEndpoint {
        if let endpoint { return endpoint }
        let resolved: ServiceEndpoint
        if let url = configuration.endpoint {
            guard let project = configuration.project else {
                throw BackupsError.argument("no project: set --project or APPWRITE_PROJECT_ID")
            }
            guard let key = configuration.apiKey else {
                throw BackupsError.argument("no API key: set --key-file or APPWRITE_API_KEY")
            }
            resolved = ServiceEndpoint(endpoint: url, project: project, apiKey: key)
        } else if let start = configuration.emulatorStarter {
            var started = try start()
            // backups.connect{project = ...} on the emulator: any name is a project of its own.
            if let project = configuration.emulatorProject { started.project = project }
            resolved = started
        } else {
            throw BackupsError.argument("no endpoint: set --endpoint or APPWRITE_ENDPOINT")
        }
        if let line = resolved.notice { notice(line) }
        endpoint = resolved
        return resolved
    }

    func theClient() throws -> BackupsClient {
        if let client { return client }
        let e = try resolve()
        var c = ClientConfiguration(endpoint: e.endpoint, project: e.project, apiKey: e.apiKey)
        c.selfSigned = configuration.selfSigned
        c.caFile = configuration.caFile
        c.endpointConcurrency = configuration.endpointConcurrency
        if configuration.verbose { c.logger = StderrLog.logger() }
        if let retry = configuration.retry { c.retry = retry }
        c.maxConnections = max(c.maxConnections, configuration.concurrency * 2)
        let made = try BackupsClient(configuration: c)
        client = made
        return made
    }

    func shutdown() {
        client = nil
    }

    /// Sends a request from Lua: the coroutine yields until the answer is there.
    func send(_ call: LuaCall, _ request: BackupsRequest, deliver: @escaping (LuaStack, JSONValue) throws -> Int32) throws -> LuaReturn {
        let client = try theClient()
        return try scheduler.await(call, operation: { try await client.send(request) }, deliver: deliver)
    }
}
