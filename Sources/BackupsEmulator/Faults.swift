import BkupJSON
import Synchronization

/// Misbehaviour on command, for tests of clients: the next K requests get a chosen status
/// (with Retry-After or rate-limit headers, or an HTML body), are delayed, or have their
/// connection dropped before or after the work is done. Archives can fail at a given rate.
struct Faults: Sendable {
    struct Scripted: Sendable {
        enum Action: Sendable {
            case status(Int, retryAfter: String?, html: Bool)
            case drop
            case dropAfterProcessing
            case delay(milliseconds: Int)
            case rateLimitHeaders(remaining: Int, reset: Int64)
            /// Answer with this status and body, whatever the request.
            case body(status: Int, text: String)
        }
        var action: Action
        var remaining: Int
        /// Only requests whose path starts with this (`/v1/tablesdb`); nil: every request.
        var path: String?
    }

    var archiveFailureRate = 0.0
    var scripted: [Scripted] = []

    /// The fault for the next request to `path`, if any (consumed).
    mutating func next(path: String) -> Scripted.Action? {
        guard let i = scripted.firstIndex(where: { $0.path.map(path.hasPrefix) ?? true }) else { return nil }
        let action = scripted[i].action
        scripted[i].remaining -= 1
        if scripted[i].remaining <= 0 { scripted.remove(at: i) }
        return action
    }

    /// Reads the control API's body:
    /// `{"archiveFailureRate":0.5, "clear":true, "next":[{"count":2,"status":503,"retryAfter":"1"},
    ///   {"drop":true}, {"dropAfter":true}, {"delayMs":2000}, {"status":502,"html":true},
    ///   {"rateLimitRemaining":0,"rateLimitReset":1767225600}, {"body":"","status":200}]}`;
    /// any fault may add `"path": "/v1/tablesdb"` to hit only requests whose path starts so.
    mutating func apply(_ body: JSONValue) throws {
        if body["clear"]?.boolValue == true { self = Faults() }
        if let rate = body["archiveFailureRate"]?.doubleValue {
            guard (0...1).contains(rate) else {
                throw ServiceError.argument("archiveFailureRate", "Value must be between 0 and 1")
            }
            archiveFailureRate = rate
        }
        for item in body["next"]?.arrayValue ?? [] {
            guard case .object = item else { throw ServiceError.argument("next", "each fault must be an object") }
            let count = Int(clamping: item["count"]?.intValue ?? 1)
            let action: Scripted.Action
            if item["drop"]?.boolValue == true {
                action = .drop
            } else if item["dropAfter"]?.boolValue == true {
                action = .dropAfterProcessing
            } else if let ms = item["delayMs"]?.intValue {
                guard (0...600_000).contains(ms) else { throw ServiceError.argument("delayMs", "Value must be between 0 and 600000") }
                action = .delay(milliseconds: Int(ms))
            } else if let text = item["body"]?.stringValue {
                let status = item["status"]?.intValue ?? 200
                guard (200...599).contains(status) else {
                    throw ServiceError.argument("status", "Value must be a status between 200 and 599")
                }
                action = .body(status: Int(status), text: text)
            } else if let status = item["status"]?.intValue {
                guard (400...599).contains(status) else {
                    throw ServiceError.argument("status", "Value must be an error status between 400 and 599")
                }
                let retryAfter = item["retryAfter"].flatMap { $0.stringValue ?? $0.intValue.map(String.init) }
                action = .status(Int(status), retryAfter: retryAfter, html: item["html"]?.boolValue ?? false)
            } else if let remaining = item["rateLimitRemaining"]?.intValue, let reset = item["rateLimitReset"]?.intValue {
                action = .rateLimitHeaders(remaining: Int(remaining), reset: reset)
            } else {
                throw ServiceError.argument("next", "each fault needs one of status, body, drop, dropAfter, delayMs, rateLimitRemaining")
            }
            scripted.append(Scripted(action: action, remaining: max(1, count), path: item["path"]?.stringValue))
        }
    }
}

/// The faults of a running server, shared by its requests.
final class FaultInjector: Sendable {
    private let state = Mutex(Faults())

    func next(path: String) -> Faults.Scripted.Action? { state.withLock { $0.next(path: path) } }
    func apply(_ body: JSONValue) throws { try state.withLock { try $0.apply(body) } }
    func reset() { state.withLock { $0 = Faults() } }
    var archiveFailureRate: Double { state.withLock { $0.archiveFailureRate } }
}
