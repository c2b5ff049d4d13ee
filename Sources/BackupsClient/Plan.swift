import BackupsModels
import BkupJSON
import Foundation

/// A reviewed change: what a dry run would have sent, step by step, each with the state it rests
/// on, so that `bkup apply` sends exactly that and refuses a step where the world moved.
///
/// The file is sorted JSON (the same state and script give the same bytes) with a checksum over
/// everything else, so that a plan edited after review is refused rather than applied.
public struct Plan: Sendable, Equatable {
    public static let formatVersion: Int64 = 1

    /// One project on one endpoint.
    public struct Target: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var endpoint: String
        public var project: String
        public init(endpoint: String, project: String) {
            self.endpoint = Target.normalized(endpoint)
            self.project = project
        }
        public var description: String { "project \(project) at \(endpoint)" }
        public static func < (a: Target, b: Target) -> Bool { (a.endpoint, a.project) < (b.endpoint, b.project) }

        /// The endpoint as plans compare it: no user, no trailing slash, a lower-case host.
        static func normalized(_ endpoint: String) -> String {
            guard var parts = URLComponents(string: endpoint), parts.host != nil else { return endpoint }
            parts.user = nil
            parts.password = nil
            parts.scheme = parts.scheme?.lowercased()
            parts.host = parts.host?.lowercased()
            while parts.path.hasSuffix("/") { parts.path.removeLast() }
            return parts.string ?? endpoint
        }
    }

    public enum Operation: String, Sendable, CaseIterable {
        case create, update, delete
    }

    /// What must still hold for a step to be sent.
    public enum Precondition: Sendable, Equatable {
        /// The record, unchanged since the plan read it.
        case updatedAt(String)
        /// Nothing with the step's ID.
        case absent
        /// A create whose ID the service chooses: no record it would have made, made since then.
        case noneMadeSince(String)
    }

    public struct Step: Sendable, Equatable {
        public var target: Target
        public var operation: Operation
        /// "policy", "archive" or "restoration".
        public var noun: String
        /// The record's ID; nil when the service chooses it.
        public var id: String?
        /// What a create or update sends.
        public var body: JSONValue
        public var precondition: Precondition
        /// The fields an update changes, as the plan read them (for review).
        public var before: JSONValue?
        /// The resource a deleted policy protected: the delete waits for its replacement's create.
        public var resourceId: String?
        /// The line a dry run printed ("~ policy nightly: retention 7 → 30").
        public var summary: String

        /// The request this step sends, built (and validated) as any request is.
        public func request() throws(BackupsError) -> BackupsRequest {
            switch (operation, noun) {
            case (.create, "policy"):
                let b = body
                guard let services = b["services"]?.arrayValue?.compactMap(\.stringValue), let schedule = b["schedule"]?.stringValue,
                    let retention = try Self.retention(b["retention"])
                else { throw BackupsError.argument("a policy create needs services, retention and schedule") }
                return try .createPolicy(.init(
                    id: b["policyId"]?.stringValue ?? ID.uniqueMarker, name: b["name"]?.stringValue, services: services,
                    resourceId: b["resourceId"]?.stringValue, enabled: b["enabled"]?.boolValue, retention: retention, schedule: schedule))
            case (.update, "policy"):
                return try .updatePolicy(try requiredID(), .init(
                    name: body["name"]?.stringValue, retention: try Self.retention(body["retention"]), schedule: body["schedule"]?.stringValue,
                    enabled: body["enabled"]?.boolValue))
            case (.delete, "policy"): return try .deletePolicy(try requiredID())
            case (.create, "archive"):
                return try .createArchive(services: body["services"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                                          resourceId: body["resourceId"]?.stringValue)
            case (.delete, "archive"): return try .deleteArchive(try requiredID())
            case (.create, "restoration"):
                return try .createRestoration(
                    archiveId: body["archiveId"]?.stringValue ?? "", services: body["services"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                    newResourceId: body["newResourceId"]?.stringValue, newResourceName: body["newResourceName"]?.stringValue)
            default:
                throw BackupsError.argument("no such operation: \(operation.rawValue) of a \(noun)")
            }
        }

        /// A step's retention, read as every number from outside is (a plan is a file).
        static func retention(_ value: JSONValue?) throws(BackupsError) -> Int64? {
            guard let value, !value.isNull else { return nil }
            do { return try Domains.retention.read(value) } catch {
                throw BackupsError.argument("Invalid `retention` param: Value must be \(Domains.retention.expected), got \(OutsideNumber(value)?.description ?? value.typeName)")
            }
        }

        /// The record's path, for reads that check the precondition.
        var recordPath: String? {
            guard let id else { return nil }
            switch noun {
            case "policy": return "/backups/policies/" + id
            case "archive": return "/backups/archives/" + id
            case "restoration": return "/backups/restorations/" + id
            default: return nil
            }
        }

        private func requiredID() throws(BackupsError) -> String {
            guard let id else { throw BackupsError.argument("a \(operation.rawValue) of a \(noun) needs the record's id") }
            return id
        }
    }

    /// The script that made the plan, and its arguments.
    public var script: String?
    public var arguments: [String]
    /// When each target's part was made, by that service's clock.
    public var madeAt: [Target: String]
    public var steps: [Step]
    public var madeBy: String

    public init(script: String?, arguments: [String], madeAt: [Target: String], steps: [Step], madeBy: String = BkupRelease.madeBy) {
        self.script = script
        self.arguments = arguments
        self.madeAt = madeAt
        self.steps = steps
        self.madeBy = madeBy
    }

    /// Plans of different projects (a fleet's) as one; nil when there is none.
    public static func merging(_ plans: [Plan], script: String?, arguments: [String]) -> Plan? {
        guard let first = plans.first else { return nil }
        var madeAt: [Target: String] = [:]
        for plan in plans { madeAt.merge(plan.madeAt) { min($0, $1) } }
        let steps = plans.flatMap(\.steps).enumerated().map { (sequence: $0.offset, step: $0.element) }
        return Plan(script: script, arguments: arguments, madeAt: madeAt, steps: ordered(steps), madeBy: first.madeBy)
    }

    public var targets: [Target] {
        Array(Set(madeAt.keys).union(steps.map(\.target))).sorted()
    }

    public struct Counts: Sendable, Equatable {
        public var creates = 0, updates = 0, deletes = 0
        public var total: Int { creates + updates + deletes }
        public var summary: String {
            func n(_ count: Int, _ word: String) -> String { "\(count) \(word)\(count == 1 ? "" : "s")" }
            return "\(n(creates, "create")), \(n(updates, "update")), \(n(deletes, "delete"))"
        }
    }

    public var counts: Counts {
        var c = Counts()
        for step in steps {
            switch step.operation {
            case .create: c.creates += 1
            case .update: c.updates += 1
            case .delete: c.deletes += 1
            }
        }
        return c
    }

    /// Steps in the order plans keep them: by target; a record's steps together, in the order
    /// they were made; creates, then updates, then deletes, by the first step of each record.
    static func ordered(_ steps: [(sequence: Int, step: Step)]) -> [Step] {
        struct Group { var key: [String]; var steps: [(Int, Step)] }
        var groups: [[String]: Group] = [:]
        for (sequence, step) in steps {
            let identity = step.id ?? ((try? JSONCodec.encode(step.body, options: .init(sortKeys: true))) ?? "") + "#\(sequence)"
            let key = [step.target.endpoint, step.target.project, step.noun, identity]
            groups[key, default: Group(key: key, steps: [])].steps.append((sequence, step))
        }
        let nouns = ["policy": 0, "archive": 1, "restoration": 2]
        let operations: [Operation: Int] = [.create: 0, .update: 1, .delete: 2]
        let sorted = groups.values.map { g in (g, g.steps.sorted { $0.0 < $1.0 }) }.sorted { a, b in
            let x = a.1[0].1, y = b.1[0].1
            if x.target != y.target { return x.target < y.target }
            if x.operation != y.operation { return operations[x.operation]! < operations[y.operation]! }
            if x.noun != y.noun { return nouns[x.noun, default: 9] < nouns[y.noun, default: 9] }
            return a.0.key.lexicographicallyPrecedes(b.0.key)
        }
        return sorted.flatMap { $0.1.map(\.1) }
    }
}

// MARK: the file

extension Plan {
    /// The plan as its file holds it, checksum included.
    public var json: JSONValue {
        var o = unsignedJSON
        o["checksum"] = .string(Plan.checksum(ofUnsigned: o))
        return .object(o)
    }

    /// The file's bytes: sorted, indented JSON and a final newline.
    public var fileText: String {
        ((try? JSONCodec.encode(json, options: .init(pretty: true, sortKeys: true))) ?? "{}") + "\n"
    }

    var unsignedJSON: [String: JSONValue] {
        let c = counts
        var made: [String: JSONValue] = ["by": .string(madeBy), "arguments": .strings(arguments)]
        if let script { made["script"] = .string(script) }
        if let first = madeAt.values.min() { made["at"] = .string(first) }
        return [
            "bkupPlan": .integer(Plan.formatVersion),
            "made": .object(made),
            "counts": .object(["creates": .integer(Int64(c.creates)), "updates": .integer(Int64(c.updates)), "deletes": .integer(Int64(c.deletes))]),
            "targets": .array(targets.map { t in
                var o: [String: JSONValue] = ["endpoint": .string(t.endpoint), "project": .string(t.project)]
                if let at = madeAt[t] { o["madeAt"] = .string(at) }
                return .object(o)
            }),
            "steps": .array(steps.enumerated().map { index, step in step.json(number: index + 1) }),
        ]
    }

    /// The checksum of a plan's JSON without its `checksum` field. It finds edits made by hand
    /// or by accident; it is no signature (anyone can compute it, as tools that make plans do).
    public static func checksum(ofUnsigned unsigned: [String: JSONValue]) -> String {
        let bytes = (try? JSONCodec.encodeBytes(.object(unsigned), options: .init(sortKeys: true))) ?? []
        return "sha256:" + SHA256.hex(bytes)
    }

    public struct FileError: Error, CustomStringConvertible, Sendable {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Reads a plan file, refusing anything but an unedited plan of a format this bkup knows.
    /// A plan of 100,000 steps is about 50 MB; a plan file is read no further than this.
    public static let sizeLimit = 256 << 20

    public static func read(_ text: [UInt8]) throws(FileError) -> Plan {
        let value: JSONValue
        do { value = try JSONCodec.decode(text, limits: .init(refuseDuplicateKeys: true)) } catch { throw FileError(description: "not JSON: \(error)") }
        guard case .object(var o) = value, let version = o["bkupPlan"] else {
            throw FileError(description: "not a bkup plan (no \"bkupPlan\" field): make one with bkup --dry-run --plan-out FILE")
        }
        guard version.intValue == formatVersion else {
            throw FileError(description: "plan format version \(version.intValue.map(String.init) ?? "\(version)") is not one this bkup reads (it reads version \(formatVersion)): make the plan again with this bkup")
        }
        guard let checksum = o.removeValue(forKey: "checksum")?.stringValue else { throw FileError(description: "the plan has no checksum") }
        guard checksum == Plan.checksum(ofUnsigned: o) else {
            throw FileError(description: "the plan was changed after it was made (its checksum does not match its content): make the plan again instead of editing it")
        }
        let made = o["made"] ?? .object([:])
        var madeAt: [Target: String] = [:]
        for t in o["targets"]?.arrayValue ?? [] {
            guard let endpoint = t["endpoint"]?.stringValue, let project = t["project"]?.stringValue else {
                throw FileError(description: "a target without endpoint or project")
            }
            madeAt[Target(endpoint: endpoint, project: project)] = t["madeAt"]?.stringValue ?? ""
        }
        var steps: [Step] = []
        for (index, s) in (o["steps"]?.arrayValue ?? []).enumerated() {
            do throws(FileError) { steps.append(try Step(json: s)) } catch {
                throw FileError(description: "step \(index + 1): \(error.description)")
            }
        }
        let plan = Plan(script: made["script"]?.stringValue, arguments: made["arguments"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                        madeAt: madeAt, steps: steps, madeBy: made["by"]?.stringValue ?? "")
        // What was read must say what was written: nothing dropped or added on the way. A step's
        // summary is not read but made again from its request (anyone who edits the file can
        // recompute its checksum, so review shows what the request does, never the file's words).
        var expected = o
        if case .array(let raw)? = o["steps"] {
            expected["steps"] = .array(raw.enumerated().map { index, step in
                guard case .object(var fields) = step, index < steps.count else { return step }
                fields["summary"] = .string(steps[index].summary)
                return .object(fields)
            })
        }
        guard plan.unsignedJSON == expected else {
            throw FileError(description: "the plan has fields this bkup does not know or cannot read back: make the plan again with this bkup")
        }
        return plan
    }
}

extension Plan.Step {
    func json(number: Int) -> JSONValue {
        var o: [String: JSONValue] = [
            "step": .integer(Int64(number)), "endpoint": .string(target.endpoint), "project": .string(target.project),
            "operation": .string(operation.rawValue), "record": .string(noun), "summary": .string(summary),
        ]
        if let id { o["id"] = .string(id) }
        var request: [String: JSONValue] = [:]
        if let built = try? self.request() {
            request["method"] = .string(built.method.rawValue)
            request["path"] = .string(built.path)
        }
        if operation != .delete { request["body"] = body }
        o["request"] = .object(request)
        switch precondition {
        case .updatedAt(let at): o["precondition"] = .object(["updatedAt": .string(at)])
        case .absent: o["precondition"] = .object(["absent": .bool(true)])
        case .noneMadeSince(let at): o["precondition"] = .object(["noneMadeSince": .string(at)])
        }
        if let before { o["before"] = before }
        if let resourceId { o["resourceId"] = .string(resourceId) }
        return .object(o)
    }

    init(json s: JSONValue) throws(Plan.FileError) {
        guard let endpoint = s["endpoint"]?.stringValue, let project = s["project"]?.stringValue else {
            throw Plan.FileError(description: "no endpoint or project")
        }
        guard let op = s["operation"]?.stringValue.flatMap(Plan.Operation.init(rawValue:)) else {
            throw Plan.FileError(description: "operation must be create, update or delete")
        }
        guard let noun = s["record"]?.stringValue, ["policy", "archive", "restoration"].contains(noun) else {
            throw Plan.FileError(description: "record must be policy, archive or restoration")
        }
        let precondition: Plan.Precondition
        if let at = s["precondition"]?["updatedAt"]?.stringValue {
            precondition = .updatedAt(at)
        } else if s["precondition"]?["absent"]?.boolValue == true {
            precondition = .absent
        } else if let at = s["precondition"]?["noneMadeSince"]?.stringValue {
            precondition = .noneMadeSince(at)
        } else {
            throw Plan.FileError(description: "no precondition (updatedAt, absent or noneMadeSince)")
        }
        self.init(target: Plan.Target(endpoint: endpoint, project: project), operation: op, noun: noun, id: s["id"]?.stringValue,
                  body: s["request"]?["body"] ?? .object([:]), precondition: precondition, before: s["before"],
                  resourceId: s["resourceId"]?.stringValue, summary: "")
        // The request must be one bkup would send: valid IDs, services, cron, retention; and the
        // step's ID the one it sends.
        do { _ = try request() } catch { throw Plan.FileError(description: error.message) }
        if operation == .create, noun == "policy", body["policyId"]?.stringValue != (id ?? ID.uniqueMarker) {
            throw Plan.FileError(description: "policy '\(id ?? ID.uniqueMarker)' does not match the policyId its request sends")
        }
        if operation == .create, noun != "policy", id != nil {
            throw Plan.FileError(description: "the service chooses a new \(noun)'s ID: the step cannot name one")
        }
        summary = Planner.line(for: self)
    }
}
