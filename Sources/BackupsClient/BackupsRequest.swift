import BackupsModels
import BkupJSON

/// One call to the service, validated before it exists: building a request with a bad ID,
/// name, service, retention, schedule or query throws `argument_invalid`, naming the param.
public struct BackupsRequest: Sendable {
    public enum Method: String, Sendable { case GET, POST, PATCH, DELETE }

    /// What a retry of this request may do (see `BackupsClient.send`).
    public indirect enum Idempotency: Sendable {
        case read
        case update
        case delete
        /// A create with a client-chosen ID: retried; a 409 after an ambiguous failure is
        /// checked with a GET of `verifyPath`.
        case createWithID(verifyPath: String)
        /// A create with a server-chosen ID: after an ambiguous failure, what it may have made
        /// is looked for (see `Reconciliation`) before anything is repeated; without a way to
        /// look, it is never repeated.
        case createServerID(Reconciliation?)
    }

    public let method: Method
    public internal(set) var path: String
    public let queries: [String]
    /// For lists: `false` asks the service not to count (`total: 0` in the answer); nil leaves
    /// the service's default (count, up to 5000).
    public var total: Bool?
    public let body: JSONValue?
    public let idempotency: Idempotency
    /// For list requests: the key of the items array (`policies`, `archives`...).
    public let listKey: String?
    /// What the record is called in messages ("policy", "archive"...).
    public let noun: String
    /// Older names of the same route, tried in order when the service does not know `path`
    /// (`/tablesdb` is Appwrite 1.8's name for `/databases`).
    public internal(set) var alternativePaths: [String] = []
    /// Why this request is made, for `--verbose` (a verification, a reconciliation).
    public var purpose: String?
    /// What a successful answer must look like.
    public var expected: AnswerShape {
        if let listKey { return .list(key: listKey) }
        if path.hasPrefix("/emulator/") { return .any }
        return method == .DELETE ? .empty : .record
    }

    init(_ method: Method, _ path: String, queries: [String] = [], body: JSONValue? = nil, idempotency: Idempotency,
         listKey: String? = nil, noun: String)
    {
        self.method = method
        self.path = path
        self.queries = queries
        self.body = body
        self.idempotency = idempotency
        self.listKey = listKey
        self.noun = noun
    }

    static func check(_ body: () throws(Validation.Failure) -> Void) throws(BackupsError) {
        do { try body() } catch { throw BackupsError.invalid(error) }
    }

    static func listRequest(_ path: String, key: String, noun: String, queries strings: [String]) throws(BackupsError) -> BackupsRequest {
        try check { () throws(Validation.Failure) in try Validation.queries(strings) }
        return BackupsRequest(.GET, path, queries: strings, idempotency: .read, listKey: key, noun: noun)
    }

    static func idPath(_ base: String, _ id: String, param: String) throws(BackupsError) -> String {
        try check { () throws(Validation.Failure) in try Validation.id(id, param: param) }
        return base + "/" + id
    }

    // MARK: policies

    public static func listPolicies(_ queries: [String] = []) throws(BackupsError) -> BackupsRequest {
        try listRequest("/backups/policies", key: "policies", noun: "policy", queries: queries)
    }

    public static func getPolicy(_ id: String) throws(BackupsError) -> BackupsRequest {
        BackupsRequest(.GET, try idPath("/backups/policies", id, param: "policyId"), idempotency: .read, noun: "policy")
    }

    public struct NewPolicy: Sendable {
        public var id: String
        public var name: String?
        public var services: [String]
        public var resourceId: String?
        public var enabled: Bool?
        public var retention: Int64
        public var schedule: String
        public init(id: String? = nil, name: String? = nil, services: [String], resourceId: String? = nil,
                    enabled: Bool? = nil, retention: Int64, schedule: String)
        {
            self.id = id ?? ID.unique()
            self.name = name
            self.services = services
            self.resourceId = resourceId
            self.enabled = enabled
            self.retention = retention
            self.schedule = schedule
        }

        var json: JSONValue {
            var o: [String: JSONValue] = [
                "policyId": .string(id), "services": .array(services.map { .string($0) }),
                "retention": .integer(retention), "schedule": .string(schedule),
            ]
            if let name { o["name"] = .string(name) }
            if let resourceId { o["resourceId"] = .string(resourceId) }
            if let enabled { o["enabled"] = .bool(enabled) }
            return .object(o)
        }
    }

    public static func createPolicy(_ p: NewPolicy) throws(BackupsError) -> BackupsRequest {
        try check { () throws(Validation.Failure) in
            try Validation.id(p.id, param: "policyId", allowUnique: true)
            if let name = p.name { try Validation.name(name) }
            try Validation.services(p.services)
            if let r = p.resourceId { try Validation.id(r, param: "resourceId") }
            try Validation.retention(p.retention)
            try Validation.schedule(p.schedule)
        }
        // "unique()" asks the server to choose: what a first attempt may have made is a policy
        // of the same resource, services, schedule, retention and name.
        let idempotency: Idempotency
        if p.id == ID.uniqueMarker {
            var candidates = try listPolicies([
                (p.resourceId.map { Query.equal("resourceId", .string($0)) } ?? Query.isNull("resourceId")).description,
                Query.orderDesc("$createdAt").description, Query.limit(50).description,
            ])
            candidates.total = false
            let wanted = p
            idempotency = .createServerID(Reconciliation(candidates: candidates) { record in
                Set(record["services"]?.arrayValue?.compactMap(\.stringValue) ?? []) == Set(wanted.services)
                    && record["resourceId"]?.stringValue == wanted.resourceId && record["retention"]?.intValue == wanted.retention
                    && record["schedule"]?.stringValue == wanted.schedule && record["name"]?.stringValue == (wanted.name ?? "")
                    && (record["enabled"]?.boolValue ?? true) == (wanted.enabled ?? true)
            })
        } else {
            idempotency = .createWithID(verifyPath: "/backups/policies/" + p.id)
        }
        return BackupsRequest(.POST, "/backups/policies", body: p.json, idempotency: idempotency, noun: "policy")
    }

    public struct PolicyChanges: Sendable, Equatable {
        public var name: String?
        public var retention: Int64?
        public var schedule: String?
        public var enabled: Bool?
        public init(name: String? = nil, retention: Int64? = nil, schedule: String? = nil, enabled: Bool? = nil) {
            self.name = name
            self.retention = retention
            self.schedule = schedule
            self.enabled = enabled
        }
        public var json: JSONValue {
            var o: [String: JSONValue] = [:]
            if let name { o["name"] = .string(name) }
            if let retention { o["retention"] = .integer(retention) }
            if let schedule { o["schedule"] = .string(schedule) }
            if let enabled { o["enabled"] = .bool(enabled) }
            return .object(o)
        }
    }

    public static func updatePolicy(_ id: String, _ changes: PolicyChanges) throws(BackupsError) -> BackupsRequest {
        let path = try idPath("/backups/policies", id, param: "policyId")
        try check { () throws(Validation.Failure) in
            if let name = changes.name { try Validation.name(name) }
            if let r = changes.retention { try Validation.retention(r) }
            if let s = changes.schedule { try Validation.schedule(s) }
        }
        return BackupsRequest(.PATCH, path, body: changes.json, idempotency: .update, noun: "policy")
    }

    public static func deletePolicy(_ id: String) throws(BackupsError) -> BackupsRequest {
        BackupsRequest(.DELETE, try idPath("/backups/policies", id, param: "policyId"), body: .object([:]),
                       idempotency: .delete, noun: "policy")
    }

    // MARK: archives

    public static func listArchives(_ queries: [String] = []) throws(BackupsError) -> BackupsRequest {
        try listRequest("/backups/archives", key: "archives", noun: "archive", queries: queries)
    }

    public static func getArchive(_ id: String) throws(BackupsError) -> BackupsRequest {
        BackupsRequest(.GET, try idPath("/backups/archives", id, param: "archiveId"), idempotency: .read, noun: "archive")
    }

    public static func createArchive(services: [String], resourceId: String? = nil) throws(BackupsError) -> BackupsRequest {
        try check { () throws(Validation.Failure) in
            try Validation.services(services)
            if let r = resourceId { try Validation.id(r, param: "resourceId") }
        }
        var o: [String: JSONValue] = ["services": .array(services.map { .string($0) })]
        if let resourceId { o["resourceId"] = .string(resourceId) }
        // What it made: a manual archive of the same resource (or the whole project) and services.
        var candidates = try listArchives([
            (resourceId.map { Query.equal("resourceId", .string($0)) } ?? Query.isNull("resourceId")).description,
            Query.orderDesc("$createdAt").description, Query.limit(50).description,
        ])
        candidates.total = false
        let wanted = Set(services)
        let reconciliation = Reconciliation(candidates: candidates) { record in
            Set(record["services"]?.arrayValue?.compactMap(\.stringValue) ?? []) == wanted
                && record["resourceId"]?.stringValue == resourceId && (record["policyId"]?.stringValue ?? "").isEmpty
        }
        return BackupsRequest(.POST, "/backups/archives", body: .object(o), idempotency: .createServerID(reconciliation), noun: "archive")
    }

    public static func deleteArchive(_ id: String) throws(BackupsError) -> BackupsRequest {
        BackupsRequest(.DELETE, try idPath("/backups/archives", id, param: "archiveId"), body: .object([:]),
                       idempotency: .delete, noun: "archive")
    }

    // MARK: restorations

    public static func createRestoration(archiveId: String, services: [String], newResourceId: String? = nil,
                                         newResourceName: String? = nil) throws(BackupsError) -> BackupsRequest
    {
        // "" is the published API's default of both: in place, under the database's own name.
        let newResourceId = newResourceId.flatMap { $0.isEmpty ? nil : $0 }
        let newResourceName = newResourceName.flatMap { $0.isEmpty ? nil : $0 }
        try check { () throws(Validation.Failure) in
            try Validation.id(archiveId, param: "archiveId")
            try Validation.services(services)
            if let n = newResourceId { try Validation.id(n, param: "newResourceId", allowUnique: true) }
            if let n = newResourceName { try Validation.name(n, param: "newResourceName") }
        }
        var o: [String: JSONValue] = ["archiveId": .string(archiveId), "services": .array(services.map { .string($0) })]
        if let newResourceId { o["newResourceId"] = .string(newResourceId) }
        if let newResourceName { o["newResourceName"] = .string(newResourceName) }
        // What it made: a restoration of the same archive and services, into the same place (the
        // new ID, or in place: the archived database itself, or the whole project).
        var candidates = try listRestorations([
            Query.equal("archiveId", .string(archiveId)).description, Query.orderDesc("$createdAt").description,
            Query.limit(50).description,
        ])
        candidates.total = false
        let wanted = Set(services)
        let target = newResourceId == ID.uniqueMarker ? nil : newResourceId
        let reconciliation = Reconciliation(candidates: candidates) { record in
            guard Set(record["services"]?.arrayValue?.compactMap(\.stringValue) ?? []) == wanted else { return false }
            let destination = record["options"]?["databases"]?["database"]?.arrayValue?.first
            if let target { return destination?["newId"]?.stringValue == target }
            if newResourceId == ID.uniqueMarker { return destination?["newId"] != destination?["oldId"] }
            return destination == nil || destination?["newId"] == destination?["oldId"]
        }
        return BackupsRequest(.POST, "/backups/restoration", body: .object(o), idempotency: .createServerID(reconciliation),
                              noun: "restoration")
    }

    public static func listRestorations(_ queries: [String] = []) throws(BackupsError) -> BackupsRequest {
        try listRequest("/backups/restorations", key: "restorations", noun: "restoration", queries: queries)
    }

    public static func getRestoration(_ id: String) throws(BackupsError) -> BackupsRequest {
        BackupsRequest(.GET, try idPath("/backups/restorations", id, param: "restorationId"), idempotency: .read,
                       noun: "restoration")
    }

    // MARK: the emulator's control API (not part of Appwrite)

    public static func emulatorControl(_ method: Method, _ action: String, body: JSONValue? = nil) -> BackupsRequest {
        BackupsRequest(method, "/emulator/" + action, body: body, idempotency: method == .GET ? .read : .createServerID(nil),
                       noun: "emulator \(action)")
    }

    // MARK: resources (read-only)

    public static func listResources(_ kind: ResourceKind, _ queries: [String] = []) throws(BackupsError) -> BackupsRequest {
        var request = try listRequest(kind.paths[0], key: kind.rawValue, noun: kind.noun.lowercased(), queries: queries)
        request.alternativePaths = Array(kind.paths.dropFirst())
        return request
    }
}
