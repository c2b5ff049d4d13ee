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
        let scheme = url.scheme?.lowercased() ?? "http"
        return "\(scheme)://\(url.host ?? ""):\(url.port ?? (scheme == "https" ? 443 : 80))"
    }

    static var count: Int { clients.withLock { $0.count } }
}

/// At most `limit` requests in flight to one endpoint, across every client of it in the
/// process: a fleet job over many projects of one region cannot flood it. Waiters go in turn.
final class EndpointBudget: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var limit: Int
    private var inFlight = 0
    private var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID = 0
    /// The most requests ever in flight at once (for tests and --verbose).
    private(set) var peak = 0

    init(limit: Int) { self.limit = limit }

    /// A smaller budget asked for later applies from then on.
    func lower(to value: Int) {
        lock.lock(); limit = min(limit, value); lock.unlock()
    }

    func acquire() async throws {
        let id: Int = lock.withLock { nextID += 1; return nextID }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                lock.lock()
                if inFlight < limit && waiters.isEmpty {
                    inFlight += 1
                    peak = max(peak, inFlight)
                    lock.unlock()
                    continuation.resume()
                } else {
                    waiters.append((id, continuation))
                    lock.unlock()
                }
            }
        } onCancel: {
            lock.lock()
            let index = waiters.firstIndex { $0.id == id }
            let waiter = index.map { waiters.remove(at: $0) }
            lock.unlock()
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    func release() {
        lock.lock()
        if !waiters.isEmpty && inFlight <= limit {
            let next = waiters.removeFirst()
            peak = max(peak, inFlight)
            lock.unlock()
            next.continuation.resume()
        } else {
            inFlight -= 1
            lock.unlock()
        }
    }
}

extension SharedHTTPClients {
    private static let budgets = Mutex<[String: EndpointBudget]>([:])

    static func budget(for origin: String, limit: Int) -> EndpointBudget {
        budgets.withLock { table in
            if let existing = table[origin] {
                existing.lower(to: limit)
                return existing
            }
            let made = EndpointBudget(limit: limit)
            table[origin] = made
            return made
        }
    }
}
