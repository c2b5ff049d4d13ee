import BackupsModels
import BkupJSON
import GRDB

// Rows as the records of BackupsModels (whose `json` is the wire shape). A manual archive has no
// policy: NULL in the table (so that `isNull("policyId")` finds it, as in Appwrite), "" on the
// wire (the official SDKs' models require a string).

/// A table's columns in the order its schema declares them, which is the order of `SELECT *`.
/// The records below read rows by position: GRDB finds a column by name by lowercasing every
/// column name of the row, on every access, which was half the cost of mapping a policy (4.9%
/// of the emulator's CPU under a GET load before, 2.7% after). `Store` checks each list against
/// SQLite when it opens, so a schema change that forgets one fails at start, not with wrong fields.
protocol TableColumns: RawRepresentable<Int>, CaseIterable {
    static var table: String { get }
}

enum PolicyColumn: Int, TableColumns {
    case seq, project, id, name, createdAt, updatedAt, services, resourceId, resourceType, retention, schedule, type, enabled, nextRunAt
    static let table = "policies"
}

enum ArchiveColumn: Int, TableColumns {
    case seq, project, id, policyId, size, status, startedAt, migrationId, services, resourceId, resourceType, createdAt, updatedAt,
         willFail
    static let table = "archives"
}

enum RestorationColumn: Int, TableColumns {
    case seq, project, id, archiveId, policyId, status, startedAt, migrationId, services, options, newResourceId, newResourceName,
         createdAt, updatedAt
    static let table = "restorations"
}

enum ResourceColumn: Int, TableColumns {
    case seq, project, kind, id, name, type, enabled, createdAt, updatedAt
    static let table = "resources"
}

extension Row {
    // As GRDB's own subscripts by index: the first also reads optionals, the second is faster.
    subscript<Value: DatabaseValueConvertible>(_ column: some TableColumns) -> Value {
        self[column.rawValue]
    }

    subscript<Value: DatabaseValueConvertible & StatementColumnConvertible>(_ column: some TableColumns) -> Value {
        self[column.rawValue]
    }
}

extension BackupPolicy {
    init(row: Row) {
        typealias C = PolicyColumn
        self.init(
            id: row[C.id], name: row[C.name], createdAt: Millis.date(row[C.createdAt]), updatedAt: Millis.date(row[C.updatedAt]),
            services: decodeStrings(row[C.services]), resourceId: row[C.resourceId], resourceType: row[C.resourceType],
            retention: row[C.retention], schedule: row[C.schedule], type: row[C.type], enabled: row[C.enabled])
    }
}

extension BackupArchive {
    init(row: Row) {
        typealias C = ArchiveColumn
        self.init(
            id: row[C.id], createdAt: Millis.date(row[C.createdAt]), updatedAt: Millis.date(row[C.updatedAt]),
            policyId: row[C.policyId] ?? "", size: row[C.size], status: ArchiveStatus(rawValue: row[C.status]) ?? .failed,
            startedAt: (row[C.startedAt] as Int64?).map(Millis.date), migrationId: row[C.migrationId],
            services: decodeStrings(row[C.services]), resourceId: row[C.resourceId], resourceType: row[C.resourceType])
    }
}

extension BackupRestoration {
    init(row: Row) {
        typealias C = RestorationColumn
        self.init(
            id: row[C.id], createdAt: Millis.date(row[C.createdAt]), updatedAt: Millis.date(row[C.updatedAt]),
            archiveId: row[C.archiveId], policyId: row[C.policyId] ?? "",
            status: RestorationStatus(rawValue: row[C.status]) ?? .failed,
            startedAt: (row[C.startedAt] as Int64?).map(Millis.date), migrationId: row[C.migrationId],
            services: decodeStrings(row[C.services]), resources: [],
            options: (try? JSONCodec.decode(row[C.options] as String)) ?? .object([:]))
    }
}

/// A database, bucket or function as the list endpoints answer it: the fields the official
/// SDKs' models require, with the values a fresh resource of its kind has.
func resourceJSON(_ row: Row) -> JSONValue {
    typealias C = ResourceColumn
    let kind = ResourceKind(rawValue: row[C.kind]) ?? .databases
    var o: [String: JSONValue] = [
        "$id": .string(row[C.id]), "name": .string(row[C.name]),
        "$createdAt": .string(Millis.wire(row[C.createdAt])), "$updatedAt": .string(Millis.wire(row[C.updatedAt])),
        "enabled": .bool(row[C.enabled]),
    ]
    switch kind {
    case .databases:
        o["type"] = .string(row[C.type] ?? "legacy")
        o["description"] = .string("")
    case .buckets:
        o.merge([
            "$permissions": .array([]), "fileSecurity": .bool(false), "description": .string(""),
            "maximumFileSize": .integer(30_000_000), "allowedFileExtensions": .array([]), "compression": .string("none"),
            "encryption": .bool(true), "antivirus": .bool(true), "transformations": .bool(true), "stripMetadata": .bool(false),
            "totalSize": .integer(0),
        ]) { a, _ in a }
    case .functions:
        o.merge([
            "execute": .array([]), "description": .string(""), "live": .bool(true), "logging": .bool(true),
            "runtime": .string("node-22"), "deploymentRetention": .integer(0), "deploymentId": .string(""),
            "deploymentCreatedAt": .string(""), "latestDeploymentId": .string(""), "latestDeploymentCreatedAt": .string(""),
            "latestDeploymentStatus": .string(""), "scopes": .array([]), "vars": .array([]), "events": .array([]),
            "schedule": .string(""), "timeout": .integer(15), "entrypoint": .string("index.js"), "commands": .string(""),
            "version": .string("v5"), "installationId": .string(""), "providerRepositoryId": .string(""),
            "providerBranch": .string(""), "providerRootDirectory": .string(""), "providerSilentMode": .bool(false),
            "providerBranches": .array([]), "providerPaths": .array([]), "buildSpecification": .string("s-1vcpu-512mb"),
            "runtimeSpecification": .string("s-1vcpu-512mb"), "emailEnabled": .bool(false),
        ]) { a, _ in a }
    }
    return .object(o)
}
