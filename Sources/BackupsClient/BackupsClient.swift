import AsyncHTTPClient
import BackupsModels
import BkupJSON
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// The Backups service over HTTP: one long-lived, pooled, keep-alive HTTP client; retries with
/// backoff and jitter; rate-limit aware; never shows the API key.
public final class BackupsClient: Sendable {
    public let configuration: ClientConfiguration
    let http: HTTPClient
    let baseURL: String
    let gate = RateLimitGate()
    /// Routes this service answered "not found" for, and the older name that worked instead.
    let routeNames = Mutex<[String: String]>([:])
    /// The service's clock, as its answers tell it.
    let serviceClock = ServiceClock()
    /// IDs of records this client's own creates made (or found by reconciling): never claimed twice.
    let claimed = Mutex<Set<String>>([])
    /// The endpoint's shared budget of requests in flight, when one was asked for.
    let budget: EndpointBudget?

    public init(configuration: ClientConfiguration) throws {
        guard let url = URL(string: configuration.endpoint), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host != nil
        else {
            throw BackupsError.argument("endpoint must be an http(s) URL such as https://cloud.appwrite.io/v1, got '\(configuration.endpoint)'")
        }
        guard !configuration.project.isEmpty else { throw BackupsError.argument("project is not set") }
        // The project travels in a header: a line break in it would be a header of its own.
        guard !configuration.project.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw BackupsError.argument("the project ID has a line break or control character, which cannot be sent in a header")
        }
        if let problem = configuration.apiKey.headerProblem { throw BackupsError.argument(problem) }
        Secrets.shared.register(configuration.apiKey)
        self.configuration = configuration
        self.baseURL = configuration.endpoint
        var tls = TLSConfiguration.makeClientConfiguration()
        if configuration.selfSigned { tls.certificateVerification = .none }
        if let caFile = configuration.caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw BackupsError.argument("--ca-file: cannot read '\(caFile)'")
            }
            tls.additionalTrustRoots = [.file(caFile)]
        }
        let connectTimeout = configuration.connectTimeout
        let maxConnections = configuration.maxConnections
        // Every client of one endpoint (many hosts, many projects) shares one HTTP client: one
        // pool of keep-alive connections per endpoint in the process.
        let origin = SharedHTTPClients.origin(of: url)
        self.budget = configuration.endpointConcurrency.map { SharedHTTPClients.budget(for: origin, limit: $0) }
        let key = SharedHTTPClients.Key(origin: origin, selfSigned: configuration.selfSigned,
                                        caFile: configuration.caFile, connectTimeout: connectTimeout, maxConnections: maxConnections)
        self.http = SharedHTTPClients.client(for: key) {
            var pool = HTTPClient.Configuration.ConnectionPool(
                idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnections)
            // A refused connection should fail now and go through our own retry rules, not be
            // retried silently until the connect timeout.
            pool.retryConnectionEstablishment = false
            var http = HTTPClient.Configuration(
                tlsConfiguration: tls,
                redirectConfiguration: .disallow,
                timeout: .init(connect: .milliseconds(Int64(connectTimeout * 1000)), read: nil),
                connectionPool: pool,
                decompression: .disabled)
            // Unset, it is the process's global tracer, a no-op that still builds every
            // request's span attributes (a URL parse and a dictionary): 5% of the client's CPU.
            http.tracing.tracer = nil
            http.http1_1ConnectionDebugInitializer = HeadAndBodyTogether.install
            return HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
        }
    }

    /// The HTTP client is shared with every other client of the endpoint and lives as long as
    /// the process: there is nothing of this client's own to shut down.
    public func shutdown() async throws {}

    /// HTTP clients (connection pools) the process holds: one per endpoint and TLS setting.
    public static var sharedConnectionPools: Int { SharedHTTPClients.count }

    /// The most requests this client's endpoint budget saw in flight at once (nil: no budget).
    public var endpointPeakInFlight: Int? { budget?.peak }

    // MARK: sending

    public struct Response: Sendable {
        public let status: Int
        public let headers: HTTPHeaders
        public let body: [UInt8]
        /// The body as JSON, when checking the answer's shape read it (a 2xx record or list).
        public internal(set) var json: JSONValue? = nil

        public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    enum Failure: Error {
        case status(BackupsError, Response)
        /// The request may or may not have reached the service.
        case transport(BackupsError, ambiguous: Bool)
    }

    /// Sends a request with the retry rules of its kind and returns the JSON body (`null` for
    /// 204); in a dry run (a configuration with a planner), plans it instead when it would change
    /// anything. Throws `BackupsError`.
    public func send(_ request: BackupsRequest) async throws(BackupsError) -> JSONValue {
        if let planner = configuration.planner { return try await planner.send(request, through: self) }
        return try await sendDirect(request)
    }

    /// The project on the endpoint, as plans name them.
    public var planTarget: Plan.Target {
        Plan.Target(endpoint: configuration.planEndpoint ?? configuration.endpoint, project: configuration.project)
    }

    /// The service's time now, by the clock its answers carry (the local clock before any answer).
    var serviceNow: Date {
        serviceClock.estimate(at: .now).map { Date(timeIntervalSince1970: $0) } ?? Date()
    }

    func sendDirect(_ request: BackupsRequest) async throws(BackupsError) -> JSONValue {
        let response = try await perform(request)
        if let json = response.json { return json }
        if response.body.isEmpty { return .null }
        do {
            return try JSONCodec.decode(response.body)
        } catch {
            throw BackupsError(code: response.status, type: "general_server_error",
                               message: "the service answered \(response.status) with a body that is not JSON (\(error))",
                               body: String(decoding: response.body.prefix(500), as: UTF8.self))
        }
    }

    /// Sends and decodes into a Codable model.
    public func send<T: Decodable>(_ request: BackupsRequest, as type: T.Type) async throws(BackupsError) -> T {
        if configuration.planner != nil {
            let json = try await send(request)
            return try decode(type, (try? JSONCodec.encodeBytes(json)) ?? [], status: 200)
        }
        let response = try await perform(request)
        return try decode(type, response.body, status: response.status)
    }

    func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8], status: Int) throws(BackupsError) -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .appwrite
        do {
            return try decoder.decode(T.self, from: Data(body))
        } catch {
            throw BackupsError(code: status, type: "general_server_error",
                               message: "cannot read the service's answer as \(T.self): \(error)")
        }
    }

    // MARK: typed API

    public func listPolicies(_ queries: [Query] = [], total: Bool? = nil) async throws(BackupsError) -> ItemList<BackupPolicy> {
        try await list(.listPolicies(queries.map(\.description)), BackupPolicy.self, total: total)
    }
    public func getPolicy(_ id: String) async throws(BackupsError) -> BackupPolicy {
        try await send(.getPolicy(id), as: BackupPolicy.self)
    }
    public func createPolicy(_ policy: BackupsRequest.NewPolicy) async throws(BackupsError) -> BackupPolicy {
        try await send(.createPolicy(policy), as: BackupPolicy.self)
    }
    public func updatePolicy(_ id: String, _ changes: BackupsRequest.PolicyChanges) async throws(BackupsError) -> BackupPolicy {
        try await send(.updatePolicy(id, changes), as: BackupPolicy.self)
    }
    public func deletePolicy(_ id: String) async throws(BackupsError) {
        _ = try await send(.deletePolicy(id))
    }
    public func listArchives(_ queries: [Query] = [], total: Bool? = nil) async throws(BackupsError) -> ItemList<BackupArchive> {
        try await list(.listArchives(queries.map(\.description)), BackupArchive.self, total: total)
    }
    public func getArchive(_ id: String) async throws(BackupsError) -> BackupArchive {
        try await send(.getArchive(id), as: BackupArchive.self)
    }
    public func createArchive(services: [String], resourceId: String? = nil) async throws(BackupsError) -> BackupArchive {
        try await send(.createArchive(services: services, resourceId: resourceId), as: BackupArchive.self)
    }
    public func deleteArchive(_ id: String) async throws(BackupsError) {
        _ = try await send(.deleteArchive(id))
    }
    public func createRestoration(archiveId: String, services: [String], newResourceId: String? = nil,
                                  newResourceName: String? = nil) async throws(BackupsError) -> BackupRestoration
    {
        try await send(.createRestoration(archiveId: archiveId, services: services, newResourceId: newResourceId,
                                          newResourceName: newResourceName), as: BackupRestoration.self)
    }
    public func listRestorations(_ queries: [Query] = [], total: Bool? = nil) async throws(BackupsError) -> ItemList<BackupRestoration> {
        try await list(.listRestorations(queries.map(\.description)), BackupRestoration.self, total: total)
    }
    public func getRestoration(_ id: String) async throws(BackupsError) -> BackupRestoration {
        try await send(.getRestoration(id), as: BackupRestoration.self)
    }
    public func listResources(_ kind: ResourceKind, _ queries: [Query] = []) async throws(BackupsError) -> ItemList<Resource> {
        try await list(.listResources(kind, queries.map(\.description)), Resource.self)
    }

    func list<T: Codable & Sendable>(_ request: BackupsRequest, _ type: T.Type, total: Bool? = nil) async throws(BackupsError)
        -> ItemList<T>
    {
        var request = request
        request.total = total
        let response = try await perform(request)
        let page = try decode(ListPage<T>.self, response.body, status: response.status)
        return ItemList(total: page.total, items: page.items(request.listKey!))
    }
}

/// Decodes `{total, <key>: [...]}` for any key.
struct ListPage<T: Codable & Sendable>: Decodable {
    let total: Int
    let lists: [String: [T]]

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        total = try c.decode(Int.self, forKey: Key(stringValue: "total"))
        var lists: [String: [T]] = [:]
        for key in c.allKeys where key.stringValue != "total" {
            if let items = try? c.decode([T].self, forKey: key) { lists[key.stringValue] = items }
        }
        self.lists = lists
    }

    func items(_ key: String) -> [T] { lists[key] ?? [] }
}

func percentEncode(_ s: String) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(s.utf8.count * 3)
    for b in s.utf8 {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            out.append(b)
        default:
            out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 0xF)]]
        }
    }
    return String(decoding: out, as: UTF8.self)
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1000 }
}

enum HTTPDate {
    static func parse(_ text: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: text)
    }
}
