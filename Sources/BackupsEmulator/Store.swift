import BackupsModels
import BkupJSON
import Foundation
import GRDB

/// The emulator's state in SQLite (WAL, synchronous=FULL: a 2xx is sent only after the write
/// is on disk), with schema migrations.
final class Store: Sendable {
    let writer: any DatabaseWriter

    init(path: String?) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        config.busyMode = .timeout(10)
        if let path {
            writer = try DatabasePool(path: path, configuration: config)
        } else {
            writer = try DatabaseQueue(configuration: config)
        }
        try Store.migrator.migrate(writer)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE policies (
                  seq INTEGER PRIMARY KEY AUTOINCREMENT,
                  id TEXT NOT NULL UNIQUE,
                  name TEXT NOT NULL DEFAULT '',
                  createdAt INTEGER NOT NULL,
                  updatedAt INTEGER NOT NULL,
                  services TEXT NOT NULL,
                  resourceId TEXT,
                  resourceType TEXT,
                  retention INTEGER NOT NULL,
                  schedule TEXT NOT NULL,
                  type TEXT NOT NULL DEFAULT 'full',
                  enabled INTEGER NOT NULL,
                  nextRunAt INTEGER
                );
                CREATE INDEX policies_created ON policies(createdAt, seq);
                CREATE INDEX policies_resource ON policies(resourceId);
                CREATE INDEX policies_next ON policies(nextRunAt) WHERE enabled = 1;
                CREATE TABLE archives (
                  seq INTEGER PRIMARY KEY AUTOINCREMENT,
                  id TEXT NOT NULL UNIQUE,
                  policyId TEXT,
                  size INTEGER,
                  status TEXT NOT NULL,
                  startedAt INTEGER,
                  migrationId TEXT NOT NULL,
                  services TEXT NOT NULL,
                  resourceId TEXT,
                  resourceType TEXT,
                  createdAt INTEGER NOT NULL,
                  updatedAt INTEGER NOT NULL,
                  willFail INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX archives_created ON archives(createdAt, seq);
                CREATE INDEX archives_status_created ON archives(status, createdAt, seq);
                CREATE INDEX archives_policy ON archives(policyId, createdAt);
                CREATE INDEX archives_resource ON archives(resourceId, createdAt);
                CREATE TABLE restorations (
                  seq INTEGER PRIMARY KEY AUTOINCREMENT,
                  id TEXT NOT NULL UNIQUE,
                  archiveId TEXT NOT NULL,
                  policyId TEXT,
                  status TEXT NOT NULL,
                  startedAt INTEGER,
                  migrationId TEXT NOT NULL,
                  services TEXT NOT NULL,
                  options TEXT NOT NULL DEFAULT '{}',
                  newResourceId TEXT,
                  newResourceName TEXT,
                  createdAt INTEGER NOT NULL,
                  updatedAt INTEGER NOT NULL
                );
                CREATE INDEX restorations_created ON restorations(createdAt, seq);
                CREATE TABLE resources (
                  seq INTEGER PRIMARY KEY AUTOINCREMENT,
                  kind TEXT NOT NULL,
                  id TEXT NOT NULL,
                  name TEXT NOT NULL,
                  type TEXT,
                  enabled INTEGER NOT NULL DEFAULT 1,
                  createdAt INTEGER NOT NULL,
                  updatedAt INTEGER NOT NULL,
                  UNIQUE(kind, id)
                );
                CREATE INDEX resources_created ON resources(kind, createdAt, seq);
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                """)
        }
        return m
    }
}

/// Milliseconds since the epoch <-> wire dates.
enum Millis {
    static func date(_ ms: Int64) -> String { WireDate.format(Date(timeIntervalSince1970: Double(ms) / 1000)) }
    static func json(_ ms: Int64?) -> JSONValue { ms.map { .string(date($0)) } ?? .null }
}

extension JSONValue {
    static func stringArray(_ text: String) -> JSONValue {
        (try? JSONCodec.decode(text)) ?? .array([])
    }
}

func encodeStrings(_ values: [String]) -> String {
    (try? JSONCodec.encode(.array(values.map { .string($0) }))) ?? "[]"
}

/// Rows as the wire's JSON records.
enum Records {
    static func policy(_ row: Row) -> JSONValue {
        let resourceId: String? = row["resourceId"]
        return .object([
            "$id": .string(row["id"]),
            "name": .string(row["name"]),
            "$createdAt": Millis.json(row["createdAt"]),
            "$updatedAt": Millis.json(row["updatedAt"]),
            "services": .stringArray(row["services"]),
            "resources": .array(resourceId.map { [.string($0)] } ?? []),
            "resourceId": resourceId.map { .string($0) } ?? .null,
            "resourceType": (row["resourceType"] as String?).map { .string($0) } ?? .null,
            "retention": .integer(row["retention"]),
            "schedule": .string(row["schedule"]),
            "type": .string(row["type"]),
            "enabled": .bool(row["enabled"]),
        ])
    }

    static func archive(_ row: Row) -> JSONValue {
        let resourceId: String? = row["resourceId"]
        return .object([
            "$id": .string(row["id"]),
            "$createdAt": Millis.json(row["createdAt"]),
            "$updatedAt": Millis.json(row["updatedAt"]),
            "policyId": (row["policyId"] as String?).map { .string($0) } ?? .null,
            "size": (row["size"] as Int64?).map { .integer($0) } ?? .null,
            "status": .string(row["status"]),
            "startedAt": Millis.json(row["startedAt"]),
            "migrationId": .string(row["migrationId"]),
            "services": .stringArray(row["services"]),
            "resources": .array(resourceId.map { [.string($0)] } ?? []),
            "resourceId": resourceId.map { .string($0) } ?? .null,
            "resourceType": (row["resourceType"] as String?).map { .string($0) } ?? .null,
        ])
    }

    static func restoration(_ row: Row) -> JSONValue {
        let options: String = row["options"]
        return .object([
            "$id": .string(row["id"]),
            "$createdAt": Millis.json(row["createdAt"]),
            "$updatedAt": Millis.json(row["updatedAt"]),
            "archiveId": .string(row["archiveId"]),
            "policyId": (row["policyId"] as String?).map { .string($0) } ?? .null,
            "status": .string(row["status"]),
            "startedAt": Millis.json(row["startedAt"]),
            "migrationId": .string(row["migrationId"]),
            "services": .stringArray(row["services"]),
            "resources": .array([]),
            "options": (try? JSONCodec.decode(options)) ?? .object([:]),
        ])
    }

    static func resource(_ row: Row) -> JSONValue {
        let kind: String = row["kind"]
        var o: [String: JSONValue] = [
            "$id": .string(row["id"]),
            "name": .string(row["name"]),
            "$createdAt": Millis.json(row["createdAt"]),
            "$updatedAt": Millis.json(row["updatedAt"]),
            "enabled": .bool(row["enabled"]),
        ]
        if kind == "databases" {
            o["type"] = .string(row["type"] ?? "legacy")
            o["description"] = .string("")
        }
        return .object(o)
    }
}
