@_exported import AsyncHTTPClient
@_exported import NIOHTTP1
import BackupsEmulator
import BkupJSON
import Foundation
import NIOCore

/// A running emulator on a free loopback port plus raw HTTP access to it, for tests.
public final class EmulatorHarness: Sendable {
    public let server: EmulatorServer
    public var url: String { server.url }
    public var project: String { server.configuration.project }
    public var key: String { server.configuration.key }
    let http: HTTPClient

    public init(server: EmulatorServer) {
        self.server = server
        http = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    /// Starts an in-memory emulator (or one on `dataPath`).
    /// `speed` near 0 freezes the simulated clock, so that only the control API moves it.
    /// `grants` are more keys, as `bkup serve --key` takes them (`KEY:policies.read,...`).
    /// `latency`: milliseconds every answer on Appwrite's paths waits (`bkup serve --latency`).
    public static func start(key: String = "test-key-\(UUID().uuidString)", dataPath: String? = nil, seed: Int = 0,
                             speed: Double = 1, grants: [String] = [], latency: Int = 0) async throws -> EmulatorHarness
    {
        var config = EmulatorConfiguration(key: key)
        config.latencyMilliseconds = latency
        config.keys += try grants.map(EmulatorConfiguration.Grant.init(parsing:))
        config.port = 0
        config.dataPath = dataPath
        config.seed = seed
        config.speed = speed
        return EmulatorHarness(server: try await EmulatorServer.start(config))
    }

    public static func startBlocking(seed: Int = 0, speed: Double = 1, grants: [String] = []) throws -> EmulatorHarness {
        var config = EmulatorConfiguration(key: "test-key-\(UUID().uuidString)")
        config.keys += try grants.map(EmulatorConfiguration.Grant.init(parsing:))
        config.port = 0
        config.seed = seed
        config.speed = speed
        return EmulatorHarness(server: try EmulatorServer.startBlocking(config))
    }

    public func stop() async {
        await server.stop()
        try? await http.shutdown()
    }

    public struct Reply: Sendable {
        public let status: Int
        public let json: JSONValue
        public let text: String
        public let headers: HTTPHeaders
    }

    /// One raw request; `auth: false` leaves out the project and key headers.
    public func request(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil, rawBody: String? = nil,
                        project: String? = nil, key: String? = nil, auth: Bool = true) async throws -> Reply
    {
        var r = HTTPClientRequest(url: url + path)
        r.method = method
        if auth {
            r.headers.add(name: "X-Appwrite-Project", value: project ?? self.project)
            r.headers.add(name: "X-Appwrite-Key", value: key ?? self.key)
        }
        if let body {
            r.headers.add(name: "content-type", value: "application/json")
            r.body = .bytes(ByteBuffer(bytes: try JSONCodec.encodeBytes(body)))
        } else if let rawBody {
            r.headers.add(name: "content-type", value: "application/json")
            r.body = .bytes(ByteBuffer(string: rawBody))
        }
        let response = try await http.execute(r, timeout: .seconds(30))
        var buffer = try await response.body.collect(upTo: 64 << 20)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        let json = (try? JSONCodec.decode(bytes)) ?? .null
        return Reply(status: Int(response.status.code), json: json, text: String(decoding: bytes, as: UTF8.self),
                     headers: response.headers)
    }

    public func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { box.set(.success(try await body())) } catch { box.set(.failure(error)) }
            done.signal()
        }
        guard done.wait(timeout: .now() + 300) == .success else {
            throw NSError(domain: "EmulatorHarness", code: 1, userInfo: [NSLocalizedDescriptionKey: "no result within 300 s"])
        }
        return try box.get()
    }

    /// `queries[]=` query string for raw requests.
    public static func queryString(_ queries: [String], indexed: Bool = false) -> String {
        guard !queries.isEmpty else { return "" }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return "?" + queries.enumerated().map { i, q in
            (indexed ? "queries%5B\(i)%5D=" : "queries%5B%5D=") + q.addingPercentEncoding(withAllowedCharacters: allowed)!
        }.joined(separator: "&")
    }

    // Control API
    public func faults(_ body: JSONValue) async throws {
        let r = try await request(.POST, "/emulator/faults", body: body)
        precondition(r.status == 204, "faults: \(r.text)")
    }

    public func advance(days: Double) async throws {
        let r = try await request(.POST, "/emulator/clock", body: .object(["advanceDays": .number(days)]))
        precondition(r.status == 200, "clock: \(r.text)")
    }

    public func seed(databases: Int = 0, buckets: Int = 0, functions: Int = 0, archives: Int = 0) async throws {
        let r = try await request(.POST, "/emulator/seed", body: .object([
            "databases": .integer(Int64(databases)), "buckets": .integer(Int64(buckets)),
            "functions": .integer(Int64(functions)), "archives": .integer(Int64(archives)),
        ]))
        precondition(r.status == 201, "seed: \(r.text)")
    }

    public func stats() async throws -> JSONValue {
        try await request(.GET, "/emulator/stats").json
    }
}

final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<T, any Error>?
    func set(_ v: Result<T, any Error>) { lock.lock(); value = v; lock.unlock() }
    func get() throws -> T { lock.lock(); defer { lock.unlock() }; return try value!.get() }
}

/// A value one thread sets and another reads (a test's result box).
public final class Box<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T?
    public init() {}
    public var value: T? {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
