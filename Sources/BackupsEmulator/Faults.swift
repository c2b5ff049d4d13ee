import BkupJSON

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
        }
        var action: Action
        var remaining: Int
    }

    var archiveFailureRate = 0.0
    var scripted: [Scripted] = []

    /// The fault for the next request, if any (consumed).
    mutating func next() -> Scripted.Action? {
        guard !scripted.isEmpty else { return nil }
        let action = scripted[0].action
        scripted[0].remaining -= 1
        if scripted[0].remaining <= 0 { scripted.removeFirst() }
        return action
    }

    /// Reads the control API's body:
    /// `{"archiveFailureRate":0.5, "clear":true, "next":[{"count":2,"status":503,"retryAfter":"1"},
    ///   {"drop":true}, {"dropAfter":true}, {"delayMs":2000}, {"status":502,"html":true},
    ///   {"rateLimitRemaining":0,"rateLimitReset":1767225600}]}`
    mutating func apply(_ body: JSONValue) throws {
        if body["clear"]?.boolValue == true { self = Faults() }
        if let rate = body["archiveFailureRate"]?.doubleValue {
            guard (0...1).contains(rate) else {
                throw ServiceError.argument("archiveFailureRate", "Value must be between 0 and 1")
            }
            archiveFailureRate = rate
        }
        for item in body["next"]?.arrayValue ?? [] {
            let count = Int(item["count"]?.intValue ?? 1)
            let action: Scripted.Action
            if item["drop"]?.boolValue == true {
                action = .drop
            } else if item["dropAfter"]?.boolValue == true {
                action = .dropAfterProcessing
            } else if let ms = item["delayMs"]?.intValue {
                action = .delay(milliseconds: Int(ms))
            } else if let status = item["status"]?.intValue {
                guard (400...599).contains(status) else {
                    throw ServiceError.argument("status", "Value must be an error status between 400 and 599")
                }
                let retryAfter = item["retryAfter"].flatMap { $0.stringValue ?? $0.intValue.map(String.init) }
                action = .status(Int(status), retryAfter: retryAfter, html: item["html"]?.boolValue ?? false)
            } else if let remaining = item["rateLimitRemaining"]?.intValue, let reset = item["rateLimitReset"]?.intValue {
                action = .rateLimitHeaders(remaining: Int(remaining), reset: reset)
            } else {
                throw ServiceError.argument("next", "each fault needs one of status, drop, dropAfter, delayMs, rateLimitRemaining")
            }
            scripted.append(Scripted(action: action, remaining: max(1, count)))
        }
    }
}
