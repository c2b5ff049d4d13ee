import BackupsModels
import BkupJSON
import Foundation
import Synchronization

/// A dry run, as a way of sending: a client whose configuration has a planner sends its reads
/// and records its mutations as steps of a `Plan`, answering each with the record as the service
/// would have returned it. Reads of what the plan made, changed or deleted answer as the service
/// would after the plan, so a script sees one consistent world. One planner may serve many
/// clients (every project of a fleet): each step is tagged with its client's target.
public final class Planner: Sendable {
    struct Key: Hashable {
        let target: Plan.Target
        let path: String
    }

    struct State {
        var steps: [Int: Plan.Step] = [:]
        var sequence = 0
        /// Records as the plan leaves them, and the step that made them so.
        var overlay: [Key: (record: JSONValue, step: Int)] = [:]
        /// Records the plan deletes.
        var gone: Set<Key> = []
        var madeAt: [Plan.Target: String] = [:]
        /// Lines not yet shown, per target (each host shows its own).
        var lines: [Plan.Target: [String]] = [:]

        /// Adds a step in the order made; returns its number.
        mutating func append(_ step: Plan.Step) -> Int {
            sequence += 1
            steps[sequence] = step
            return sequence
        }
    }

    private let state = Mutex(State())

    public init() {}

    /// The plan so far.
    public func plan(script: String? = nil, arguments: [String] = []) -> Plan {
        state.withLock { s in
            Plan(script: script, arguments: arguments, madeAt: s.madeAt,
                 steps: Plan.ordered(s.steps.map { (sequence: $0.key, step: $0.value) }))
        }
    }

    /// "dry run: 2 creates, 1 update, 0 deletes planned; nothing was sent" (from any thread).
    public var summary: String { "dry run: \(plan().counts.summary) planned; nothing was sent" }

    /// The lines of steps planned for `target` since the last call.
    public func takeLines(for target: Plan.Target) -> [String] {
        state.withLock { $0.lines.removeValue(forKey: target) ?? [] }
    }

    // MARK: sending

    func send(_ request: BackupsRequest, through client: BackupsClient) async throws(BackupsError) -> JSONValue {
        let target = client.planTarget
        try await register(target, client)
        let parts = request.path.split(separator: "/").map(String.init)
        guard parts.count >= 2, parts[0] == "backups", request.listKey == nil else { return try await client.sendDirect(request) }
        let key = parts.count == 3 ? Key(target: target, path: request.path) : nil
        switch (request.method, parts[1], key) {
        case (.GET, _, let key?): return try await current(key, noun: request.noun, client)
        case (.POST, "policies", nil): return try await createPolicy(request, target, client)
        case (.PATCH, "policies", let key?): return try await updatePolicy(request, key, client)
        case (.DELETE, _, let key?): return try await delete(request, key, client)
        case (.POST, "archives", nil): return try await createWithServerID(request, target, client)
        case (.POST, "restoration", nil):
            if let archiveId = request.body?["archiveId"]?.stringValue {
                _ = try await current(Key(target: target, path: "/backups/archives/" + archiveId), noun: "archive", client)
            }
            return try await createWithServerID(request, target, client)
        default: return try await client.sendDirect(request)
        }
    }

    /// Notes when the target's part of the plan was made, by the service's clock (one read, if
    /// nothing was read yet).
    private func register(_ target: Plan.Target, _ client: BackupsClient) async throws(BackupsError) {
        if state.withLock({ $0.madeAt[target] != nil }) { return }
        if client.serviceClock.estimate(at: .now) == nil {
            var probe = try BackupsRequest.listPolicies([Query.limit(1).description])
            probe.total = false
            probe.purpose = "dry run: read the service's clock"
            _ = try await client.sendDirect(probe)
        }
        let now = client.serviceNow
        state.withLock { s in if s.madeAt[target] == nil { s.madeAt[target] = WireDate.format(now) } }
    }

    private func madeAt(_ target: Plan.Target) -> String { state.withLock { $0.madeAt[target] ?? "" } }

    /// The record as the plan leaves it: planned, deleted (404), or as the service has it.
    private func current(_ key: Key, noun: String, _ client: BackupsClient) async throws(BackupsError) -> JSONValue {
        let known: JSONValue?? = state.withLock { s in
            if s.gone.contains(key) { return .some(nil) }
            return s.overlay[key].map { .some($0.record) }
        }
        switch known {
        case .some(.some(let record)): return record
        case .some(.none): throw Self.deletedInPlan(noun, key)
        case .none: return try await client.sendDirect(try BackupsRequest.get(path: key.path, noun: noun))
        }
    }

    /// The service's 404 for a record, as it would answer after the plan.
    static func deletedInPlan(_ noun: String, _ key: Key) -> BackupsError {
        let id = key.path.split(separator: "/").last.map(String.init) ?? ""
        return BackupsError(code: 404, type: "backup_\(noun)_not_found",
                            message: "\(noun.prefix(1).uppercased() + noun.dropFirst()) with the requested ID '\(id)' could not be found (deleted earlier in this dry run).")
    }

    /// A create: the record exists, as planned, from this step on.
    private func add(_ step: Plan.Step, key: Key, record: JSONValue) {
        state.withLock { s in
            s.gone.remove(key)
            s.overlay[key] = (record, s.append(step))
            s.lines[step.target, default: []].append(step.summary)
        }
    }

    private func createPolicy(_ request: BackupsRequest, _ target: Plan.Target, _ client: BackupsClient) async throws(BackupsError) -> JSONValue {
        var body = request.body ?? .object([:])
        let chosen = body["policyId"]?.stringValue ?? ID.uniqueMarker
        let id = chosen == ID.uniqueMarker ? ID.unique() : chosen
        let key = Key(target: target, path: "/backups/policies/" + id)
        if chosen != ID.uniqueMarker {
            let exists: Bool
            do throws(BackupsError) {
                _ = try await current(key, noun: "policy", client)
                exists = true
            } catch where error.code == 404 { exists = false }
            if exists {
                throw BackupsError(code: 409, type: "backup_policy_already_exists", message: "Policy with the requested ID '\(id)' already exists.")
            }
        }
        if case .object(var o) = body, o["enabled"] == nil {
            o["enabled"] = .bool(true)
            body = .object(o)
        }
        let now = client.serviceNow
        let record = Self.policyRecord(id: id, body, createdAt: now, updatedAt: now)
        let step = Plan.Step(target: target, operation: .create, noun: "policy", id: chosen == ID.uniqueMarker ? nil : id, body: body,
                             precondition: chosen == ID.uniqueMarker ? .noneMadeSince(madeAt(target)) : .absent,
                             summary: Self.createLine(chosen, body))
        add(step, key: key, record: record)
        return record
    }

    static func policyRecord(id: String, _ body: JSONValue, createdAt: Date, updatedAt: Date) -> JSONValue {
        let services = body["services"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let resourceId = body["resourceId"]?.stringValue
        return BackupPolicy(
            id: id, name: body["name"]?.stringValue ?? "", createdAt: createdAt, updatedAt: updatedAt, services: services,
            resourceId: resourceId, resourceType: resourceId == nil ? nil : ServiceType(rawValue: services.first ?? "")?.resourceType,
            retention: Int(body["retention"]?.intValue ?? 0), schedule: body["schedule"]?.stringValue ?? "",
            enabled: body["enabled"]?.boolValue ?? true
        ).json
    }

    static func createLine(_ id: String, _ body: JSONValue) -> String {
        var details = [(body["services"]?.arrayValue?.compactMap(\.stringValue) ?? []).joined(separator: "+"),
                       body["schedule"]?.stringValue ?? "", "\(body["retention"]?.intValue ?? 0)d"]
        if let r = body["resourceId"]?.stringValue { details.insert("resource \(r)", at: 1) }
        if body["enabled"]?.boolValue == false { details.append("disabled") }
        return "+ policy \(id) (\(details.joined(separator: ", ")))"
    }

    static func archiveLine(_ body: JSONValue) -> String {
        let services = body["services"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return "+ archive (\(services.joined(separator: "+"))\(body["resourceId"]?.stringValue.map { ", resource \($0)" } ?? ""))"
    }

    static func restorationLine(_ body: JSONValue) -> String {
        let archiveId = body["archiveId"]?.stringValue ?? ""
        let newId = body["newResourceId"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let newName = body["newResourceName"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let into = newId.map { "into new database \($0)\(newName.map { " (\"\($0)\")" } ?? "")" } ?? "in place"
        return "+ restoration of archive \(archiveId) \(into)"
    }

    /// The line that says what a step's request does, made from the request itself: a plan
    /// file's own "summary" text is never what review shows, since anyone who edits the file
    /// can recompute its checksum.
    static func line(for step: Plan.Step) -> String {
        switch (step.operation, step.noun) {
        case (.create, "policy"): return createLine(step.id ?? step.body["policyId"]?.stringValue ?? ID.uniqueMarker, step.body)
        case (.create, "archive"): return archiveLine(step.body)
        case (.create, _): return restorationLine(step.body)
        case (.update, _): return updateLine(step.id ?? "", before: step.before, after: step.body)
        case (.delete, _): return "- \(step.noun) \(step.id ?? "")"
        }
    }

    static func show(_ v: JSONValue?) -> String {
        switch v {
        case .string(let s)?: return s.contains(" ") || s.isEmpty ? "\"\(s)\"" : s
        case .integer(let i)?: return String(i)
        case .bool(let b)?: return String(b)
        default: return "none"
        }
    }

    private func updatePolicy(_ request: BackupsRequest, _ key: Key, _ client: BackupsClient) async throws(BackupsError) -> JSONValue {
        let read = try await current(key, noun: "policy", client)
        let now = WireDate.format(client.serviceNow)
        // Under the lock, against the freshest view: another task may have planned a change of
        // the same record while this one read it.
        return state.withLock { s in
            let base = s.overlay[key]?.record ?? read
            guard case .object(var record) = base, let id = record["$id"]?.stringValue else { return base }
            var changed: [String: JSONValue] = [:], before: [String: JSONValue] = [:], words: [String] = []
            for (field, value) in (request.body?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) where record[field] != value {
                words.append("\(field) \(Self.show(record[field])) → \(Self.show(value))")
                before[field] = record[field] ?? .null
                changed[field] = value
                record[field] = value
            }
            guard !changed.isEmpty else {
                s.lines[key.target, default: []].append("= policy \(id): no change")
                return base
            }
            record["$updatedAt"] = .string(now)
            let updated = JSONValue.object(record)
            s.lines[key.target, default: []].append("~ policy \(id): " + words.joined(separator: ", "))
            // A record this plan already creates or changes: one step says where it ends.
            if let earlier = s.overlay[key], var step = s.steps[earlier.step], case .object(var body) = step.body {
                for (field, value) in changed { body[field] = value }
                if step.operation == .update, let original = step.before?.objectValue {
                    body = body.filter { original[$0.key] != $0.value }
                    step.before = .object(original.merging(before) { first, _ in first }.filter { body[$0.key] != nil })
                }
                step.body = .object(body)
                if step.operation == .create { step.summary = Self.createLine(id, step.body) }
                if step.operation == .update { step.summary = Self.updateLine(id, before: step.before, after: step.body) }
                if body.isEmpty {
                    s.steps[earlier.step] = nil
                    s.overlay[key] = nil
                } else {
                    s.steps[earlier.step] = step
                    s.overlay[key] = (updated, earlier.step)
                }
                return updated
            }
            let number = s.append(Plan.Step(
                target: key.target, operation: .update, noun: "policy", id: id, body: .object(changed),
                precondition: .updatedAt(read["$updatedAt"]?.stringValue ?? ""), before: .object(before),
                summary: "~ policy \(id): " + words.joined(separator: ", ")))
            s.gone.remove(key)
            s.overlay[key] = (updated, number)
            return updated
        }
    }

    /// "~ policy p: retention 7 → 30": what an update step changes, from the record as read.
    static func updateLine(_ id: String, before: JSONValue?, after: JSONValue) -> String {
        let words = (after.objectValue ?? [:]).sorted { $0.key < $1.key }.map { field, value in
            "\(field) \(show(before?[field])) → \(show(value))"
        }
        return "~ policy \(id): " + words.joined(separator: ", ")
    }

    private func delete(_ request: BackupsRequest, _ key: Key, _ client: BackupsClient) async throws(BackupsError) -> JSONValue {
        let record = try await current(key, noun: request.noun, client)
        let id = key.path.split(separator: "/").last.map(String.init) ?? ""
        let line = "- \(request.noun) \(id)"
        state.withLock { s in
            var precondition = Plan.Precondition.updatedAt(record["$updatedAt"]?.stringValue ?? "")
            s.gone.insert(key)
            s.lines[key.target, default: []].append(line)
            // What the plan made is simply not made; what it changed is deleted as first read.
            if let earlier = s.overlay.removeValue(forKey: key), let step = s.steps.removeValue(forKey: earlier.step) {
                guard step.operation == .update else { return }
                precondition = step.precondition
            }
            _ = s.append(Plan.Step(
                target: key.target, operation: .delete, noun: request.noun, id: id, body: .object([:]), precondition: precondition,
                resourceId: request.noun == "policy" ? record["resourceId"]?.stringValue : nil, summary: line))
        }
        return .null
    }

    /// An archive or a restoration: the service chooses the ID, so the plan's record has one of
    /// its own ("dryrun…"), which the file never holds.
    private func createWithServerID(_ request: BackupsRequest, _ target: Plan.Target, _ client: BackupsClient) async throws(BackupsError)
        -> JSONValue
    {
        let body = request.body ?? .object([:])
        let id = "dryrun" + ID.unique().prefix(14)
        let now = client.serviceNow
        let services = body["services"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let record: JSONValue, line: String, path: String
        if request.noun == "archive" {
            let resourceId = body["resourceId"]?.stringValue
            record = BackupArchive(
                id: id, createdAt: now, updatedAt: now, policyId: "", size: nil, status: .completed, startedAt: nil, migrationId: "",
                services: services, resourceId: resourceId,
                resourceType: resourceId == nil ? nil : ServiceType(rawValue: services.first ?? "")?.resourceType
            ).json
            line = Self.archiveLine(body)
            path = "/backups/archives/" + id
        } else {
            let archiveId = body["archiveId"]?.stringValue ?? ""
            record = BackupRestoration(
                id: id, createdAt: now, updatedAt: now, archiveId: archiveId, policyId: "", status: .completed, startedAt: nil,
                migrationId: "", services: services, resources: [], options: .object([:])
            ).json
            line = Self.restorationLine(body)
            path = "/backups/restorations/" + id
        }
        let step = Plan.Step(target: target, operation: .create, noun: request.noun, id: nil, body: body,
                             precondition: .noneMadeSince(madeAt(target)), summary: line)
        add(step, key: Key(target: target, path: path), record: record)
        return record
    }
}

extension BackupsRequest {
    /// A GET of one record by its path.
    static func get(path: String, noun: String) throws(BackupsError) -> BackupsRequest {
        let id = path.split(separator: "/").last.map(String.init) ?? ""
        switch noun {
        case "policy": return try .getPolicy(id)
        case "archive": return try .getArchive(id)
        default: return try .getRestoration(id)
        }
    }
}
