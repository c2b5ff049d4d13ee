import BackupsModels
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// An API key that never prints: its description, debug description and mirror are redacted.
public struct APIKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret itself, for the one place that sends it (a request header) and for redaction.
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }

    /// Why the key cannot be sent as a header value (a line break, a control or non-ASCII
    /// character), naming the position but never the key; nil when it can.
    public var headerProblem: String? {
        if value.isEmpty { return "the API key is empty" }
        for (i, b) in value.utf8.enumerated() where b < 0x21 || b > 0x7E {
            let what = b == 0x0A || b == 0x0D ? "a line break" : b < 0x20 || b == 0x7F ? "a control character"
                : b == 0x20 ? "a space" : "a non-ASCII character"
            return "the API key has \(what) at byte \(i + 1) of \(value.utf8.count), which cannot be sent in a header"
                + " (a key file must hold the key alone)"
        }
        return nil
    }

    /// Appwrite's keys are a few hundred bytes; a key file is read no further than this.
    public static let keyFileLimit = 64 * 1024

    public struct FileError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The key in a file (surrounding white space dropped). The message of a failure names the
    /// file, never what it holds.
    public static func read(fromFile path: String) throws(FileError) -> APIKey {
        let data: [UInt8]
        do { data = try BoundedFile.read(path, limit: keyFileLimit) } catch {
            switch error {
            case .cannotRead: throw FileError(description: "cannot read the key file \(path)")
            case .tooLarge(let limit):
                throw FileError(description: "the key file \(path) is larger than \(BoundedFile.words(limit)): a key file holds one key")
            }
        }
        let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else { throw FileError(description: "the key file \(path) is empty") }
        return APIKey(key)
    }
}

/// Where a client connects, from flags, a fleet file or the environment. Every field is optional:
/// settings from several sources are layered with `filling(from:)`.
public struct ConnectionSettings: Sendable {
    public var endpoint: String?
    public var project: String?
    public var apiKey: APIKey?
    public var selfSigned: Bool?

    public init(endpoint: String? = nil, project: String? = nil, apiKey: APIKey? = nil, selfSigned: Bool? = nil) {
        self.endpoint = endpoint
        self.project = project
        self.apiKey = apiKey
        self.selfSigned = selfSigned
    }

    /// The variables the official SDKs' examples and the Appwrite CLI use: APPWRITE_ENDPOINT,
    /// APPWRITE_PROJECT_ID, APPWRITE_API_KEY, APPWRITE_SELF_SIGNED. The only reader of them.
    public static func fromEnvironment(_ read: (String) -> String? = ConnectionSettings.variable) -> ConnectionSettings {
        ConnectionSettings(
            endpoint: read("APPWRITE_ENDPOINT"), project: read("APPWRITE_PROJECT_ID"),
            apiKey: read("APPWRITE_API_KEY").map(APIKey.init),
            selfSigned: read("APPWRITE_SELF_SIGNED").map { ["1", "true", "yes"].contains($0.lowercased()) })
    }

    /// A non-empty environment variable.
    public static func variable(_ name: String) -> String? {
        guard let p = getenv(name) else { return nil }
        let s = String(cString: p)
        return s.isEmpty ? nil : s
    }

    /// These settings, with what they leave unset taken from `other`.
    public func filling(from other: ConnectionSettings) -> ConnectionSettings {
        ConnectionSettings(endpoint: endpoint ?? other.endpoint, project: project ?? other.project,
                           apiKey: apiKey ?? other.apiKey, selfSigned: selfSigned ?? other.selfSigned)
    }
}

/// How a client reaches the service and how hard it tries.
public struct ClientConfiguration: Sendable {
    /// e.g. `https://cloud.appwrite.io/v1`
    public var endpoint: String
    public var project: String
    public var apiKey: APIKey
    /// Accept a self-signed TLS certificate (never the default).
    public var selfSigned = false
    /// A PEM file of certificate authorities to trust besides the system's.
    public var caFile: String?
    /// Requests in flight to this endpoint at most, shared by every client of the endpoint in
    /// the process (the smallest budget asked for wins); nil: none.
    public var endpointConcurrency: Int?
    public var connectTimeout: Double = 10
    public var requestTimeout: Double = 30
    public var retry = RetryPolicy()
    /// Connections per host at most. HTTP/1.1 carries one request at a time per connection, so
    /// this caps the requests in flight: the pool opens connections only as requests need them
    /// and closes them after a minute idle, so a high cap costs nothing until it is used (at 64,
    /// task.map at concurrency 256 against a 50 ms service reached a quarter of its rate).
    public var maxConnections = 1024
    /// Logs each request (method, path, status, attempt, milliseconds); never headers or key.
    public var logger: Logger? = nil
    /// A dry run: mutations become steps of the planner's plan and are not sent (see `Planner`).
    public var planner: Planner?
    /// The endpoint as plans name it, when not the URL (the embedded emulator, whose port
    /// changes from run to run, is named by its state file).
    public var planEndpoint: String?

    public init(endpoint: String, project: String, apiKey: APIKey) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.project = project
        self.apiKey = apiKey
    }

    public init(endpoint: String, project: String, apiKey: String) {
        self.init(endpoint: endpoint, project: project, apiKey: APIKey(apiKey))
    }

    /// From the environment (see `ConnectionSettings.fromEnvironment`).
    public static func fromEnvironment(_ read: (String) -> String? = ConnectionSettings.variable) throws(BackupsError)
        -> ClientConfiguration
    {
        let s = ConnectionSettings.fromEnvironment(read)
        guard let endpoint = s.endpoint else { throw BackupsError.argument("APPWRITE_ENDPOINT is not set") }
        guard let project = s.project else { throw BackupsError.argument("APPWRITE_PROJECT_ID is not set") }
        guard let key = s.apiKey else { throw BackupsError.argument("APPWRITE_API_KEY is not set") }
        var c = ClientConfiguration(endpoint: endpoint, project: project, apiKey: key)
        c.selfSigned = s.selfSigned ?? false
        return c
    }
}

/// Exponential backoff with full jitter, capped in attempts and in total time. Eight attempts:
/// behind a gateway that fails one request in five, five would still give up on one request in
/// three thousand; eight on one in four hundred thousand.
public struct RetryPolicy: Sendable {
    public var maxAttempts = 8
    /// No retry starts once this much time has passed since the first attempt.
    public var maxTotalSeconds: Double = 60
    public var baseDelay: Double = 0.2
    public var maxDelay: Double = 10
    public init() {}

    public static let singleAttempt: RetryPolicy = {
        var p = RetryPolicy()
        p.maxAttempts = 1
        return p
    }()

    /// Full jitter: uniform in [0, min(maxDelay, base * 2^(attempt-1))].
    func backoff(attempt: Int) -> Double {
        let cap = min(maxDelay, baseDelay * pow(2, Double(attempt - 1)))
        return Double.random(in: 0...cap)
    }
}
