import BackupsModels
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
        let p = Params(body: body.objectValue ?? [:])
        if let rate = try p.number("archiveFailureRate", .nullable, in: Domains.fraction) { archiveFailureRate = rate }
        guard let next = body["next"], !next.isNull else { return }
        guard case .array(let items) = next else { throw ServiceError.argument("next", "Value must be an array of faults") }
        for item in items {
            guard case .object(let fields) = item else { throw ServiceError.argument("next", "each fault must be an object") }
            let f = Params(body: fields)
            let count = try f.integer("count", .nullable, in: Self.count) ?? 1
            let action: Scripted.Action
            if try f.bool("drop", .nullable) == true {
                action = .drop
            } else if try f.bool("dropAfter", .nullable) == true {
                action = .dropAfterProcessing
            } else if let ms = try f.integer("delayMs", .nullable, in: Self.delay) {
                action = .delay(milliseconds: Int(ms))
            } else if let text = try f.string("body", .nullable) {
                action = .body(status: Int(try f.integer("status", .nullable, in: Self.anyStatus) ?? 200), text: text)
            } else if let status = try f.integer("status", .nullable, in: Self.errorStatus) {
                let retryAfter = try fields["retryAfter"].flatMap { v -> String? in
                    if case .string(let s) = v { return s }
                    return try f.integer("retryAfter", .nullable, in: Self.retryAfter).map(String.init)
                }
                action = .status(Int(status), retryAfter: retryAfter, html: try f.bool("html", .nullable) ?? false)
            } else if let remaining = try f.integer("rateLimitRemaining", .nullable, in: Self.count),
                let reset = try f.integer("rateLimitReset", .nullable, in: Self.epochSeconds)
            {
                action = .rateLimitHeaders(remaining: Int(remaining), reset: reset)
            } else {
                throw ServiceError.argument("next", "each fault needs one of status, body, drop, dropAfter, delayMs, rateLimitRemaining")
            }
            scripted.append(Scripted(action: action, remaining: Int(max(1, count)), path: try f.string("path", .nullable)))
        }
    }

    static let count = Domains.count(upTo: 1_000_000)
    static let delay = Domains.count(upTo: 600_000)
    static let anyStatus = NumberDomain<Int64>.integers(200...599, "a status from 200 to 599")
    static let errorStatus = NumberDomain<Int64>.integers(400...599, "an error status from 400 to 599")
    static let retryAfter = Domains.count(upTo: 86_400)
    static let epochSeconds = Domains.count(upTo: 253_402_300_799)
}

/// The faults of a running server, shared by its requests.
final class FaultInjector: Sendable {
    private let state = Mutex(Faults())

    func next(path: String) -> Faults.Scripted.Action? { state.withLock { $0.next(path: path) } }
    func apply(_ body: JSONValue) throws { try state.withLock { try $0.apply(body) } }
    func reset() { state.withLock { $0 = Faults() } }
    var archiveFailureRate: Double { state.withLock { $0.archiveFailureRate } }
}
