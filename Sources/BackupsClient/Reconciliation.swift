import BackupsModels
import BkupJSON
import Foundation
import NIOHTTP1
import Synchronization

/// How to find what a create with a server-chosen ID may have made, after an ambiguous failure
/// (a dropped connection, a timeout, a gateway's 502/504) left unknown whether it happened.
///
/// The rule: look for records that `matches` (the same resource and services), created since
/// the first attempt by the service's clock, that no other call of this client has claimed.
/// Exactly one is the answer. None, after `settle` seconds in which a request still in flight
/// could land, means it did not happen, and the create is sent again. More than one is an
/// error that says it may have happened and names the candidates. Its limit: another actor
/// creating the same thing for the same resource in the same seconds makes the answer
/// ambiguous (reported, never guessed).
public struct Reconciliation: Sendable {
    /// The list of recent records that could be it, newest first.
    public var candidates: BackupsRequest
    /// Whether a listed record is what the create would have made.
    public var matches: @Sendable (JSONValue) -> Bool

    public init(candidates: BackupsRequest, matches: @escaping @Sendable (JSONValue) -> Bool) {
        self.candidates = candidates
        self.matches = matches
    }

    /// Seconds to wait before deciding that nothing was made.
    public static let settle = 2.0
    /// Slack on the service's clock: `Date` has one-second steps, and edges' clocks differ.
    public static let clockMargin = 2.0
}

/// The service's clock, as the last answer told it (`X-Bkup-Clock` from the emulator, whose
/// clock is simulated; else `Date`).
final class ServiceClock: Sendable {
    private let last = Mutex<(service: Double, local: ContinuousClock.Instant)?>(nil)

    func observe(_ headers: HTTPHeaders) {
        let local = ContinuousClock.now
        if let text = headers.first(name: "x-bkup-clock"), let date = WireDate.parse(text) {
            last.withLock { $0 = (date.timeIntervalSince1970, local) }
        } else if let text = headers.first(name: "date"), let date = HTTPDate.parse(text) {
            last.withLock { $0 = (date.timeIntervalSince1970, local) }
        }
    }

    /// The service's time at a local instant, by the last observation (nil before any).
    func estimate(at instant: ContinuousClock.Instant) -> Double? {
        last.withLock { $0.map { $0.service + ($0.local.duration(to: instant)).seconds } }
    }
}

extension BackupsClient {
    enum ReconcileOutcome {
        case found(Response)
        case several([String])
        case none
    }

    /// Marks a record made by this client's own create as taken.
    func claim(_ response: Response) {
        guard let id = (response.json ?? (try? JSONCodec.decode(response.body)))?["$id"]?.stringValue else { return }
        claimed.withLock { _ = $0.insert(id) }
    }

    /// Looks for what `request` may have made since `since` (its first attempt).
    func reconcile(_ request: BackupsRequest, _ reconciliation: Reconciliation, since: ContinuousClock.Instant, settle: Bool)
        async throws(BackupsError) -> ReconcileOutcome
    {
        // Two estimates of the service's clock at the first attempt: the last answer before it
        // carried forward, and the list's answer carried back. The earlier wins, so that a
        // service clock running fast, slow or frozen (an emulator) never hides the record.
        let before = serviceClock.estimate(at: since)
        for round in 0..<(settle ? 2 : 1) {
            if round > 0 { try? await Task.sleep(nanoseconds: UInt64(Reconciliation.settle * 1e9)) }
            var list = reconciliation.candidates
            list.purpose = "reconcile: did the \(request.noun) create go through?"
            let response = try await perform(list)
            let after = serviceClock.estimate(at: ContinuousClock.now).map { $0 - since.duration(to: .now).seconds }
            guard let window = [before, after].compactMap({ $0 }).min().map({ $0 - Reconciliation.clockMargin }) else { return .none }
            let items = (try? JSONCodec.decode(response.body))?[list.listKey ?? ""]?.arrayValue ?? []
            let taken = claimed.withLock { $0 }
            let found = items.filter { item in
                guard let id = item["$id"]?.stringValue, !taken.contains(id), reconciliation.matches(item),
                    let created = item["$createdAt"]?.stringValue.flatMap(WireDate.parse)
                else { return false }
                return created.timeIntervalSince1970 >= window
            }
            if found.count == 1, let record = try? JSONCodec.encodeBytes(found[0]) {
                var made = Response(status: 201, headers: response.headers, body: record)
                made.json = found[0]
                claim(made)
                return .found(made)
            }
            if found.count > 1 { return .several(found.compactMap { $0["$id"]?.stringValue }) }
        }
        return .none
    }
}
