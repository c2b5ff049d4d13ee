import BackupsModels
import BkupJSON
import Foundation
import Synchronization

/// Applies a plan: every step whose precondition still holds is sent, with the client's usual
/// retries; a step whose record moved since the plan is refused and not sent; a step already
/// applied (by an earlier apply of the same plan) is said so and not sent again.
///
/// Order: creates, then updates, then deletes (a replaced policy is deleted only after its
/// replacement exists); a record's own steps in the plan's order. Appwrite has no conditional
/// write, so a change landing between a step's read and its write is not seen: the window is
/// one round trip.
public struct PlanApplier: Sendable {
    public enum Outcome: Sendable, Equatable {
        case applied
        case alreadyApplied(String)
        case refused(String)
        case failed(String)
        /// Not sent, nor read: the apply was stopped before this step began.
        case notStarted
    }

    public struct Result: Sendable {
        public let number: Int
        public let step: Plan.Step
        public let outcome: Outcome
    }

    public let plan: Plan
    public let clients: [Plan.Target: BackupsClient]
    public var concurrency: Int

    public init(plan: Plan, clients: [Plan.Target: BackupsClient], concurrency: Int = 16) {
        self.plan = plan
        self.clients = clients
        self.concurrency = max(1, concurrency)
    }

    /// Runs the plan; `progress(done, total, problems)` after each step. A step begins only while
    /// `shouldStart()` holds (an interrupt stops the apply between steps, never inside one).
    public func apply(shouldStart: @escaping @Sendable () -> Bool = { true },
                      progress: @escaping @Sendable (Int, Int, Int) -> Void = { _, _, _ in }) async -> [Result] {
        let numbered = plan.steps.enumerated().map { (number: $0.offset + 1, step: $0.element) }
        // A record's steps run in order, one after the other; different records at once.
        var groups: [[(number: Int, step: Plan.Step)]] = []
        var index: [String: Int] = [:]
        for item in numbered {
            let key = item.step.recordPath.map { "\(item.step.target.endpoint) \(item.step.target.project) \($0)" }
            if let key, let at = index[key] { groups[at].append(item); continue }
            if let key { index[key] = groups.count }
            groups.append([item])
        }
        let results = Mutex<(done: [Int: Result], problems: Int)>(([:], 0))
        let total = numbered.count
        // The creates that replace a policy on a resource, for the deletes that wait for them.
        var replacements: [String: [Int]] = [:]
        for (number, step) in numbered where step.operation == .create && step.noun == "policy" {
            if let resource = step.body["resourceId"]?.stringValue { replacements[Self.resourceKey(step.target, resource), default: []].append(number) }
        }
        let replacing = replacements
        for phase in Plan.Operation.allCases {
            let mine = groups.filter { $0[0].step.operation == phase }
            await forEach(mine) { group in
                var blocked: String?
                for (number, step) in group {
                    let outcome: Outcome
                    if !shouldStart() {
                        outcome = .notStarted
                    } else if let blocked {
                        outcome = .refused(blocked)
                    } else if let waiting = self.unmadeReplacement(step, replacing, { n in results.withLock { $0.done[n]?.outcome } }) {
                        outcome = .refused(waiting)
                    } else {
                        outcome = await self.apply(step)
                    }
                    switch outcome {
                    case .refused, .failed: blocked = blocked ?? "step \(number) of the same record was not applied"
                    default: break
                    }
                    let (done, problems) = results.withLock { r in
                        r.done[number] = Result(number: number, step: step, outcome: outcome)
                        switch outcome {
                        case .refused, .failed: r.problems += 1
                        default: break
                        }
                        return (r.done.count, r.problems)
                    }
                    progress(done, total, problems)
                }
            }
        }
        return results.withLock { r in (1...max(1, total)).compactMap { r.done[$0] } }
    }

    private func forEach(_ groups: [[(number: Int, step: Plan.Step)]],
                         _ body: @escaping @Sendable ([(number: Int, step: Plan.Step)]) async -> Void) async {
        await withTaskGroup(of: Void.self) { tasks in
            var next = 0
            while next < min(concurrency, groups.count) {
                let group = groups[next]
                tasks.addTask { await body(group) }
                next += 1
            }
            for await _ in tasks where next < groups.count {
                let group = groups[next]
                tasks.addTask { await body(group) }
                next += 1
            }
        }
    }

    static func resourceKey(_ target: Plan.Target, _ resource: String) -> String {
        target.endpoint + " " + target.project + " " + resource
    }

    /// A policy's delete waits for the creates of policies on the same resource: if one was not
    /// made, the resource keeps the policy it has.
    private func unmadeReplacement(_ step: Plan.Step, _ replacements: [String: [Int]], _ outcome: (Int) -> Outcome?) -> String? {
        guard step.operation == .delete, step.noun == "policy", let resource = step.resourceId else { return nil }
        for number in replacements[Self.resourceKey(step.target, resource)] ?? [] {
            switch outcome(number) {
            case .applied?, .alreadyApplied?: continue
            default: return "kept: the policy that replaces it on \(resource) (step \(number)) was not made"
            }
        }
        return nil
    }

    /// One step: check what it rests on, then send it.
    func apply(_ step: Plan.Step) async -> Outcome {
        guard let client = clients[step.target] else { return .refused("no connection to \(step.target)") }
        do throws(BackupsError) {
            let request = try step.request()
            switch step.precondition {
            case .updatedAt(let expected):
                guard let current = try await read(step, client) else {
                    return step.operation == .delete ? .alreadyApplied("already gone") : .refused("\(step.noun) \(step.id ?? "") no longer exists")
                }
                if step.operation == .update, Self.holds(step.body, in: current) { return .alreadyApplied("already so") }
                let now = current["$updatedAt"]?.stringValue ?? "?"
                guard now == expected else {
                    return .refused("changed since the plan (updated at \(now); the plan read it at \(expected))")
                }
            case .absent:
                if let current = try await read(step, client) {
                    if Self.holds(step.body, in: current, creating: true) { return .alreadyApplied("already exists as planned") }
                    return .refused("\(step.noun) \(step.id ?? "") exists now, and differs from the plan")
                }
            case .noneMadeSince(let since):
                if let archiveId = step.body["archiveId"]?.stringValue, archiveId.hasPrefix("dryrun") {
                    return .refused("restores an archive that this plan creates, whose ID is known only once it is made: apply, then plan the restoration again")
                }
                if let made = try await madeSince(request, since, client) {
                    return .alreadyApplied("\(step.noun) \(made) was made since the plan")
                }
            }
            _ = try await client.send(request)
            return .applied
        } catch {
            return .failed(error.message)
        }
    }

    private func read(_ step: Plan.Step, _ client: BackupsClient) async throws(BackupsError) -> JSONValue? {
        guard let path = step.recordPath else { return nil }
        do {
            return try await client.send(try BackupsRequest.get(path: path, noun: step.noun))
        } catch where error.code == 404 {
            return nil
        }
    }

    /// Whether `record` already has what `body` sets.
    static func holds(_ body: JSONValue, in record: JSONValue, creating: Bool = false) -> Bool {
        for (field, value) in body.objectValue ?? [:] {
            switch field {
            case "policyId": continue
            case "services":
                let want = Set(value.arrayValue?.compactMap(\.stringValue) ?? [])
                if Set(record["services"]?.arrayValue?.compactMap(\.stringValue) ?? []) != want { return false }
            default:
                if record[field] != value { return false }
            }
        }
        if creating, body["resourceId"] == nil, let r = record["resourceId"], !r.isNull { return false }
        return true
    }

    /// A record the create would have made, made since the plan (by an earlier apply).
    private func madeSince(_ request: BackupsRequest, _ since: String, _ client: BackupsClient) async throws(BackupsError) -> String? {
        guard case .createServerID(let reconciliation?) = request.idempotency, let from = WireDate.parse(since) else { return nil }
        let answer = try await client.send(reconciliation.candidates)
        for item in answer[reconciliation.candidates.listKey ?? ""]?.arrayValue ?? [] {
            guard reconciliation.matches(item), let created = item["$createdAt"]?.stringValue.flatMap(WireDate.parse),
                created.timeIntervalSince1970 >= from.timeIntervalSince1970 - Reconciliation.clockMargin
            else { continue }
            return item["$id"]?.stringValue ?? "?"
        }
        return nil
    }
}
