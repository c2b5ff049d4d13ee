import AsyncHTTPClient
import Foundation
import Synchronization

/// One HTTP client per endpoint and TLS setting in the process, shared by every BackupsClient
/// of it (each host, each project): connections are pooled across them, and a process that
/// makes and drops clients does not make and drop pools. They live as long as the process.
enum SharedHTTPClients {
    struct Key: Hashable {
        let origin: String
        let selfSigned: Bool
        let caFile: String?
        let connectTimeout: Double
        let maxConnections: Int
    }

    private static let clients = Mutex<[Key: HTTPClient]>([:])

    static func client(for key: Key, make: () -> HTTPClient) -> HTTPClient {
        clients.withLock { table in
            if let existing = table[key] { return existing }
            let made = make()
            table[key] = made
            return made
        }
    }

    /// scheme://host:port
    static func origin(of url: URL) -> String {
        let scheme = url.scheme ?? "http"
        return "\(scheme)://\(url.host ?? ""):\(url.port ?? (scheme == "https" ? 443 : 80))"
    }

    static var count: Int { clients.withLock { $0.count } }
}
