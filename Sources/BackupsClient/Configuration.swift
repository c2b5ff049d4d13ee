import BackupsModels
import Foundation
import Logging

/// An API key that never prints: its description, debug description and mirror are redacted.
public struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}

/// How a client reaches the service and how hard it tries.
public struct ClientConfiguration: Sendable {
    /// e.g. `https://cloud.appwrite.io/v1`
    public var endpoint: String
    public var project: String
    public var apiKey: APIKey
    /// Accept a self-signed TLS certificate (never the default).
    public var selfSigned = false
    public var connectTimeout: Double = 10
    public var requestTimeout: Double = 30
    public var retry = RetryPolicy()
    /// Connections kept per host (enough for the highest concurrency you use).
    public var maxConnections = 64
    /// Logs each request (method, path, status, attempt, milliseconds); never headers or key.
    public var logger: Logger? = nil

    public init(endpoint: String, project: String, apiKey: String) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.project = project
        self.apiKey = APIKey(apiKey)
    }

    /// From APPWRITE_ENDPOINT, APPWRITE_PROJECT_ID, APPWRITE_API_KEY and APPWRITE_SELF_SIGNED.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> ClientConfiguration {
        func need(_ name: String) throws -> String {
            guard let v = env[name], !v.isEmpty else {
                throw BackupsError.argument("\(name) is not set")
            }
            return v
        }
        var c = ClientConfiguration(endpoint: try need("APPWRITE_ENDPOINT"), project: try need("APPWRITE_PROJECT_ID"),
                                    apiKey: try need("APPWRITE_API_KEY"))
        c.selfSigned = ["1", "true", "yes"].contains((env["APPWRITE_SELF_SIGNED"] ?? "").lowercased())
        return c
    }
}

/// Exponential backoff with full jitter, capped in attempts and in total time.
public struct RetryPolicy: Sendable {
    public var maxAttempts = 5
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
