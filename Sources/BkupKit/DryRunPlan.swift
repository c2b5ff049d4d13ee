import BackupsClient
import BackupsModels
import Foundation
import LuaRuntime
import Synchronization

/// What a dry run would have done: one line per mutation, the records the service would have
/// returned, and a count for the summary (readable from any thread: a watchdog that ends the
/// process prints it).
struct DryRunPlan {
    struct Counts { var creates = 0, updates = 0, deletes = 0 }
    let counts = PlanCounts()
    /// Records that exist only in the plan (so that get/wait/delete of them work).
    private var planned: [String: JSONValue] = [:]

    var summary: String { counts.summary }

    func record(_ id: String) -> JSONValue? { planned[id] }

    mutating func plannedPolicy(_ p: BackupsRequest.NewPolicy) -> JSONValue {
        let id = p.id == ID.uniqueMarker ? ID.unique() : p.id
        let now = Date()
        let record = BackupPolicy(
            id: id, name: p.name ?? "", createdAt: now, updatedAt: now, services: p.services, resourceId: p.resourceId,
            resourceType: p.resourceId == nil ? nil : ServiceType(rawValue: p.services.first ?? "")?.resourceType,
            retention: Int(p.retention), schedule: p.schedule, enabled: p.enabled ?? true
        ).json
        planned[id] = record
        return record
    }

    mutating func create(policy p: BackupsRequest.NewPolicy) -> String {
        counts.add(\.creates)
        var details = [p.services.joined(separator: "+"), p.schedule, "\(p.retention)d"]
        if let r = p.resourceId { details.insert("resource \(r)", at: 1) }
        if p.enabled == false { details.append("disabled") }
        return "+ policy \(p.id) (\(details.joined(separator: ", ")))"
    }

    static func show(_ v: JSONValue?) -> String {
        switch v {
        case .string(let s)?: return s.contains(" ") || s.isEmpty ? "\"\(s)\"" : s
        case .integer(let i)?: return String(i)
        case .bool(let b)?: return String(b)
        default: return "none"
        }
    }

    mutating func update(policy current: JSONValue, _ c: BackupsRequest.PolicyChanges) -> (String, JSONValue) {
        guard case .object(var o) = current else { return ("~ policy ?", current) }
        let id = o["$id"]?.stringValue ?? "?"
        var changes: [String] = []
        for (key, value) in [("name", c.name.map { JSONValue.string($0) }), ("retention", c.retention.map { JSONValue.integer($0) }),
                             ("schedule", c.schedule.map { JSONValue.string($0) }), ("enabled", c.enabled.map { JSONValue.bool($0) })]
        {
            guard let value, o[key] != value else { continue }
            changes.append("\(key) \(Self.show(o[key])) → \(Self.show(value))")
            o[key] = value
        }
        if changes.isEmpty { return ("= policy \(id): no change", current) }
        counts.add(\.updates)
        o["$updatedAt"] = .string(WireDate.format(Date()))
        if planned[id] != nil { planned[id] = .object(o) }
        return ("~ policy \(id): " + changes.joined(separator: ", "), .object(o))
    }

    mutating func delete(noun: String, id: String) -> String {
        counts.add(\.deletes)
        planned[id] = nil
        return "- \(noun) \(id)"
    }

    mutating func create(archive services: [String], resourceId: String?) -> (String, JSONValue) {
        counts.add(\.creates)
        let id = "dryrun" + ID.unique().prefix(14)
        let now = Date()
        let record = BackupArchive(
            id: id, createdAt: now, updatedAt: now, policyId: "", size: nil, status: .completed, startedAt: nil,
            migrationId: "", services: services, resourceId: resourceId,
            resourceType: resourceId == nil ? nil : ServiceType(rawValue: services.first ?? "")?.resourceType
        ).json
        planned[id] = record
        return ("+ archive (\(services.joined(separator: "+"))\(resourceId.map { ", resource \($0)" } ?? ""))", record)
    }

    mutating func create(restoration archiveId: String, services: [String], newResourceId: String?, newResourceName: String?)
        -> (String, JSONValue)
    {
        counts.add(\.creates)
        let id = "dryrun" + ID.unique().prefix(14)
        let now = Date()
        let record = BackupRestoration(
            id: id, createdAt: now, updatedAt: now, archiveId: archiveId, policyId: "", status: .completed, startedAt: nil,
            migrationId: "", services: services, resources: [], options: .object([:])
        ).json
        planned[id] = record
        let target = newResourceId.map { "into new database \($0)\(newResourceName.map { " (\"\($0)\")" } ?? "")" } ?? "in place"
        return ("+ restoration of archive \(archiveId) \(target)", record)
    }
}

/// The counts of a dry run's plan, shared with other threads.
final class PlanCounts: Sendable {
    private let counts = Mutex(DryRunPlan.Counts())

    func add(_ field: WritableKeyPath<DryRunPlan.Counts, Int>) { counts.withLock { $0[keyPath: field] += 1 } }

    var summary: String {
        let c = counts.withLock { $0 }
        func n(_ count: Int, _ word: String) -> String { "\(count) \(word)\(count == 1 ? "" : "s")" }
        return "dry run: \(n(c.creates, "create")), \(n(c.updates, "update")), \(n(c.deletes, "delete")) planned; nothing was sent"
    }
}
