import BackupsModels
import BkupJSON
import Foundation
import GRDB

/// The emulator's state in SQLite, every row owned by a project, with schema migrations.
final class Store: Sendable {
    let writer: any DatabaseWriter

    /// - Parameter defaultProject: the project that rows of a state file from before projects
    ///   (schema v1) belong to.
    init(path: String?, durability: EmulatorConfiguration.Durability, defaultProject: String) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            // full: a 2xx is sent only after the write is on disk. process: WAL with
            // synchronous=NORMAL, which loses nothing committed when the process dies, only
            // (possibly) the last commits when the machine does.
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
        }
        config.busyMode = .timeout(10)
        if let path {
            writer = try DatabasePool(path: path, configuration: config)
        } else {
            writer = try DatabaseQueue(configuration: config)
        }
        try Store.migrator(defaultProject: defaultProject).migrate(writer)
        try writer.read { db in
            try Store.checkColumns(PolicyColumn.self, db, path: path)
            try Store.checkColumns(ArchiveColumn.self, db, path: path)
            try Store.checkColumns(RestorationColumn.self, db, path: path)
            try Store.checkColumns(ResourceColumn.self, db, path: path)
        }
    }

    /// A state file whose tables this bkup cannot read as they are.
    struct StateMismatch: Error, CustomStringConvertible {
        let description: String
    }

    /// The records read rows by position (RowMapping): the table must have exactly `columns`, in order.
    private static func checkColumns<C: TableColumns>(_ columns: C.Type, _ db: Database, path: String?) throws {
        let actual = try db.columns(in: C.table).map(\.name)
        let expected = C.allCases.map { String(describing: $0) }
        guard actual == expected else {
            throw StateMismatch(description: """
                \(path ?? "the in-memory state"): table \(C.table) has the columns \(actual.joined(separator: ", ")); \
                this bkup reads \(expected.joined(separator: ", ")), in that order. Something other than bkup changed \
                the file; move it aside to start with an empty state.
                """)
        }
    }

    static let schema = """
        CREATE TABLE policies (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          project TEXT NOT NULL,
          id TEXT NOT NULL,
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
          nextRunAt INTEGER,
          UNIQUE(project, id)
        );
        CREATE INDEX policies_created ON policies(project, createdAt, seq);
        CREATE INDEX policies_resource ON policies(project, resourceId);
        CREATE INDEX policies_next ON policies(nextRunAt) WHERE enabled = 1;
        CREATE TABLE archives (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          project TEXT NOT NULL,
          id TEXT NOT NULL,
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
          willFail INTEGER NOT NULL DEFAULT 0,
          UNIQUE(project, id)
        );
        CREATE INDEX archives_created ON archives(project, createdAt, seq);
        CREATE INDEX archives_status_created ON archives(project, status, createdAt, seq);
        CREATE INDEX archives_policy ON archives(project, policyId, createdAt);
        CREATE INDEX archives_resource ON archives(project, resourceId, createdAt);
        CREATE INDEX archives_in_progress ON archives(createdAt) WHERE status IN \(Lifecycle.archives.inProgressSQL);
        CREATE TABLE restorations (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          project TEXT NOT NULL,
          id TEXT NOT NULL,
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
          updatedAt INTEGER NOT NULL,
          UNIQUE(project, id)
        );
        CREATE INDEX restorations_created ON restorations(project, createdAt, seq);
        CREATE INDEX restorations_in_progress ON restorations(createdAt) WHERE status IN \(Lifecycle.restorations.inProgressSQL);
        CREATE TABLE resources (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          project TEXT NOT NULL,
          kind TEXT NOT NULL,
          id TEXT NOT NULL,
          name TEXT NOT NULL,
          type TEXT,
          enabled INTEGER NOT NULL DEFAULT 1,
          createdAt INTEGER NOT NULL,
          updatedAt INTEGER NOT NULL,
          UNIQUE(project, kind, id)
        );
        CREATE INDEX resources_created ON resources(project, kind, createdAt, seq);
        """

    static func migrator(defaultProject: String) -> DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            // The first schema, without projects; "v2" moves its rows into the new tables.
            try db.execute(sql: """
                CREATE TABLE policies (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL DEFAULT '',
                  createdAt INTEGER NOT NULL, updatedAt INTEGER NOT NULL, services TEXT NOT NULL, resourceId TEXT, resourceType TEXT,
                  retention INTEGER NOT NULL, schedule TEXT NOT NULL, type TEXT NOT NULL DEFAULT 'full', enabled INTEGER NOT NULL,
                  nextRunAt INTEGER);
                CREATE TABLE archives (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, policyId TEXT, size INTEGER,
                  status TEXT NOT NULL, startedAt INTEGER, migrationId TEXT NOT NULL, services TEXT NOT NULL, resourceId TEXT,
                  resourceType TEXT, createdAt INTEGER NOT NULL, updatedAt INTEGER NOT NULL, willFail INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE restorations (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, archiveId TEXT NOT NULL,
                  policyId TEXT, status TEXT NOT NULL, startedAt INTEGER, migrationId TEXT NOT NULL, services TEXT NOT NULL,
                  options TEXT NOT NULL DEFAULT '{}', newResourceId TEXT, newResourceName TEXT, createdAt INTEGER NOT NULL,
                  updatedAt INTEGER NOT NULL);
                CREATE TABLE resources (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL,
                  type TEXT, enabled INTEGER NOT NULL DEFAULT 1, createdAt INTEGER NOT NULL, updatedAt INTEGER NOT NULL, UNIQUE(kind, id));
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                """)
        }
        m.registerMigration("v2: projects") { db in
            let tables = ["policies", "archives", "restorations", "resources"]
            for t in tables {
                // Index names are global: the old tables' go first, so that the new ones can
                // be created under the same names.
                for index in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", arguments: [t]) {
                    try db.execute(sql: "DROP INDEX \(index)")
                }
                try db.execute(sql: "ALTER TABLE \(t) RENAME TO old_\(t)")
            }
            for statement in schema.split(separator: ";") where !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                try db.execute(sql: String(statement))
            }
            for t in tables {
                let columns = try db.columns(in: "old_\(t)").map(\.name).filter { $0 != "seq" }
                let list = columns.joined(separator: ", ")
                try db.execute(sql: "INSERT INTO \(t)(project, \(list)) SELECT ?, \(list) FROM old_\(t) ORDER BY seq",
                               arguments: [defaultProject])
                try db.execute(sql: "DROP TABLE old_\(t)")
            }
        }
        m.registerMigration("v3: retention within int32") { db in
            // Earlier versions stored any retention they were sent; the published API's is an
            // int32 of at least one day. 2147483647 days keeps an archive as long as any larger
            // number did.
            try db.execute(sql: "UPDATE policies SET retention = \(Int32.max) WHERE retention > \(Int32.max)")
            try db.execute(sql: "UPDATE policies SET retention = 1 WHERE retention < 1")
        }
        return m
    }
}

/// Milliseconds since the epoch <-> wire dates.
enum Millis {
    static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
    static func wire(_ ms: Int64) -> String { WireDate.format(milliseconds: ms) }
}

func encodeStrings(_ values: [String]) -> String {
    (try? JSONCodec.encode(.strings(values))) ?? "[]"
}

func decodeStrings(_ text: String) -> [String] {
    ((try? JSONCodec.decode(text))?.arrayValue ?? []).compactMap(\.stringValue)
}
