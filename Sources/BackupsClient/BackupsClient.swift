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
    public static let version = "0.1.0"
    public let configuration: ClientConfiguration
    let http: HTTPClient
    let baseURL: String
    let gate = RateLimitGate()
    /// Routes this service answered "not found" for, and the older name that worked instead.
    let routeNames = Mutex<[String: String]>([:])

    public init(configuration: ClientConfiguration) throws {
        guard let url = URL(string: configuration.endpoint), let scheme = url.scheme, ["http", "https"].contains(scheme),
            url.host != nil
        else {
            throw BackupsError.argument("endpoint must be an http(s) URL such as https://cloud.appwrite.io/v1, got '\(configuration.endpoint)'")
        }
        guard !configuration.project.isEmpty else { throw BackupsError.argument("project is not set") }
        if let problem = configuration.apiKey.headerProblem { throw BackupsError.argument(problem) }
        Secrets.shared.register(configuration.apiKey)
        self.configuration = configuration
        self.baseURL = configuration.endpoint
        var tls = TLSConfiguration.makeClientConfiguration()
        if configuration.selfSigned { tls.certificateVerification = .none }
        var pool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConnections)
        // A refused connection should fail now and go through our own retry rules, not be
        // retried silently until the connect timeout.
        pool.retryConnectionEstablishment = false
        let http = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(
                tlsConfiguration: tls,
                redirectConfiguration: .disallow,
                timeout: .init(connect: .milliseconds(Int64(configuration.connectTimeout * 1000)), read: nil),
                connectionPool: pool,
                decompression: .disabled))
        self.http = http
    }

    deinit {
        let http = self.http
        // The client may be dropped from a synchronous context; shut the pool down off-thread.
        Task.detached { try? await http.shutdown() }
    }

    public func shutdown() async throws { try await http.shutdown() }

    // MARK: sending

    public struct Response: Sendable {
        public let status: Int
        public let headers: HTTPHeaders
        public let body: [UInt8]
    }

    enum Failure: Error {
        case status(BackupsError, Response)
        /// The request may or may not have reached the service.
        case transport(BackupsError, ambiguous: Bool)
    }

    /// Sends a request with the retry rules of its kind and returns the JSON body (`null` for
    /// 204). Throws `BackupsError`.
    public func send(_ request: BackupsRequest) async throws(BackupsError) -> JSONValue {
        let response = try await perform(request)
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

    /// The retry loop (see `BackupsRequest.Idempotency` for what each kind may repeat), on the
    /// route's name this service knows.
    public func perform(_ request: BackupsRequest) async throws(BackupsError) -> Response {
        var request = request
        if let known = routeNames.withLock({ $0[request.path] }) { request.path = known }
        while true {
            do {
                return try await performOnce(request)
            } catch let error where error.code == 404 && error.type == "general_route_not_found" && !request.alternativePaths.isEmpty {
                let original = request.path
                request.path = request.alternativePaths.removeFirst()
                let replacement = request.path
                routeNames.withLock { $0[original] = replacement }
            }
        }
    }

    func performOnce(_ request: BackupsRequest) async throws(BackupsError) -> Response {
        let policy = configuration.retry
        let start = ContinuousClock.now
        var attempt = 0
        var sawAmbiguousFailure = false
        while true {
            attempt += 1
            await gate.waitIfNeeded()
            let outcome: Result<Response, Failure>
            let began = ContinuousClock.now
            do {
                outcome = .success(try await execute(request))
            } catch let failure as Failure {
                outcome = .failure(failure)
            } catch {
                outcome = .failure(.transport(BackupsError(code: 0, type: "network_error", message: "\(error)"), ambiguous: true))
            }
            let elapsedMs = (ContinuousClock.now - began).milliseconds
            var retryDelay: Double?
            var failureError: BackupsError
            switch outcome {
            case .success(let response):
                gate.update(from: response.headers)
                log(request, status: response.status, attempt: attempt, ms: elapsedMs)
                if (200..<300).contains(response.status) {
                    // Never trust a 2xx: an answer that is not the documented shape is an error.
                    if let problem = request.expected.problem(status: response.status, body: response.body) {
                        var error = BackupsError(code: response.status, type: "general_server_error",
                                                 message: "\(request.method.rawValue) \(request.path): the service answered \(response.status) with \(problem)",
                                                 body: Secrets.shared.redact(String(decoding: response.body.prefix(500), as: UTF8.self)))
                        error.attempts = attempt
                        throw error
                    }
                    return response
                }
                var error = BackupsError.from(status: response.status, body: response.body,
                                              contentType: response.headers.first(name: "content-type"))
                error.attempts = attempt
                if let scope = error.missingScope {
                    error.message = "the API key of project '\(configuration.project)' lacks the scope \(scope)"
                        + ", which \(request.method.rawValue) \(request.path) needs: add it to the key in the Appwrite Console"
                }
                // A DELETE whose earlier attempt may have gone through: gone is done.
                if case .delete = request.idempotency, response.status == 404, sawAmbiguousFailure {
                    return Response(status: 204, headers: response.headers, body: [])
                }
                if case .createWithID(let verifyPath) = request.idempotency, response.status == 409, sawAmbiguousFailure {
                    if let stored = try? await verifyCreated(request, at: verifyPath) { return stored }
                    throw error
                }
                guard error.isRetryableStatus else { throw error }
                if case .createServerID = request.idempotency, response.status == 502 || response.status == 504 {
                    // A gateway error: the service may have acted. Never create twice.
                    error.mayHaveHappened = true
                    error.message += " — the \(request.noun) may have been created; check before trying again"
                    throw error
                }
                retryDelay = serverDelay(response.headers)
                failureError = error
            case .failure(.status(let error, _)):
                throw error
            case .failure(.transport(var error, let ambiguous)):
                log(request, status: 0, attempt: attempt, ms: elapsedMs, note: error.type)
                error.attempts = attempt
                if ambiguous {
                    sawAmbiguousFailure = true
                    if case .createServerID = request.idempotency {
                        error.mayHaveHappened = true
                        error.message += " — the \(request.noun) may have been created; check before trying again"
                        throw error
                    }
                }
                failureError = error
            }
            let delay = retryDelay ?? policy.backoff(attempt: attempt)
            let elapsed = (ContinuousClock.now - start).seconds
            guard attempt < policy.maxAttempts, elapsed + delay <= policy.maxTotalSeconds else {
                failureError.message += attempt > 1 ? " (after \(attempt) attempts)" : ""
                throw failureError
            }
            do {
                try await Task.sleep(nanoseconds: UInt64(max(0, delay) * 1e9))
            } catch {
                throw BackupsError(code: 0, type: "cancelled", message: "cancelled while waiting to retry \(request.method.rawValue) \(request.path)")
            }
        }
    }

    /// After an ambiguous failure and a 409: the create counts as done if the stored record is
    /// the one that was sent.
    private func verifyCreated(_ request: BackupsRequest, at path: String) async throws -> Response? {
        let get = BackupsRequest(.GET, path, idempotency: .read, noun: request.noun)
        let response = try await execute(get)
        guard response.status == 200, let stored = try? JSONCodec.decode(response.body),
            case .object(let sent)? = request.body
        else { return nil }
        for (key, value) in sent {
            let storedKey = key == "policyId" ? "$id" : key
            if stored[storedKey] != value { return nil }
        }
        return Response(status: 201, headers: response.headers, body: response.body)
    }

    private func serverDelay(_ headers: HTTPHeaders) -> Double? {
        if let ra = headers.first(name: "retry-after") {
            if let s = Double(ra.trimmingCharacters(in: .whitespaces)) { return max(0, s) }
            if let date = HTTPDate.parse(ra) { return max(0, date.timeIntervalSinceNow) }
        }
        if let reset = headers.first(name: "x-ratelimit-reset"), let epoch = Double(reset) {
            return max(0, epoch - Date().timeIntervalSince1970)
        }
        return nil
    }

    private func log(_ request: BackupsRequest, status: Int, attempt: Int, ms: Double, note: String? = nil) {
        guard let logger = configuration.logger else { return }
        let statusText = status == 0 ? (note ?? "failed") : String(status)
        logger.info("\(request.method.rawValue) \(request.path) \(statusText) attempt=\(attempt) \(String(format: "%.1f", ms))ms")
    }

    /// One HTTP exchange.
    func execute(_ request: BackupsRequest) async throws(Failure) -> Response {
        var url = baseURL + request.path
        var parameters = request.queries.map { "queries%5B%5D=" + percentEncode($0) }
        if let total = request.total { parameters.append("total=\(total)") }
        if !parameters.isEmpty { url += "?" + parameters.joined(separator: "&") }
        var http = HTTPClientRequest(url: url)
        http.method = HTTPMethod(rawValue: request.method.rawValue)
        http.headers.add(name: "X-Appwrite-Project", value: configuration.project)
        http.headers.add(name: "X-Appwrite-Key", value: configuration.apiKey.value)
        http.headers.add(name: "X-Appwrite-Response-Format", value: ErrorBody.serverVersion)
        http.headers.add(name: "accept", value: "application/json")
        http.headers.add(name: "user-agent", value: "bkup/\(BackupsClient.version)")
        if request.method != .GET {
            http.headers.add(name: "content-type", value: "application/json")
            let bytes = (try? JSONCodec.encodeBytes(request.body ?? .object([:]))) ?? Array("{}".utf8)
            http.body = .bytes(ByteBuffer(bytes: bytes))
        }
        do {
            let response = try await self.http.execute(http, timeout: .milliseconds(Int64(configuration.requestTimeout * 1000)))
            var buffer = try await response.body.collect(upTo: 64 << 20)
            let body = buffer.readBytes(length: buffer.readableBytes) ?? []
            return Response(status: Int(response.status.code), headers: response.headers, body: body)
        } catch {
            throw classify(error, request)
        }
    }

    private func classify(_ error: any Error, _ request: BackupsRequest) -> Failure {
        let what = "\(request.method.rawValue) \(request.path)"
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout:
                return .transport(BackupsError(code: 0, type: "timeout", message: "\(what): could not connect within \(configuration.connectTimeout)s"), ambiguous: false)
            case .deadlineExceeded, .readTimeout:
                return .transport(BackupsError(code: 0, type: "timeout", message: "\(what): no answer within \(configuration.requestTimeout)s"), ambiguous: true)
            case .remoteConnectionClosed:
                return .transport(BackupsError(code: 0, type: "network_error", message: "\(what): the server closed the connection before answering"), ambiguous: true)
            case .cancelled:
                return .status(BackupsError(code: 0, type: "cancelled", message: "\(what): cancelled"), Response(status: 0, headers: [:], body: []))
            default:
                break
            }
        }
        if error is CancellationError {
            return .status(BackupsError(code: 0, type: "cancelled", message: "\(what): cancelled"), Response(status: 0, headers: [:], body: []))
        }
        let text = "\(error)"
        let refused = text.contains("refused") || text.contains("ECONNREFUSED") || text.contains("connect(descriptor")
        return .transport(BackupsError(code: 0, type: "network_error",
                                       message: refused ? "\(what): cannot connect to \(baseURL) (connection refused)" : "\(what): \(text)"),
                          ambiguous: !refused)
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
        _ = try await perform(.deletePolicy(id))
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
        _ = try await perform(.deleteArchive(id))
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
    var out = ""
    for b in s.utf8 {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(b))
        default:
            out += String(format: "%%%02X", b)
        }
    }
    return out
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
