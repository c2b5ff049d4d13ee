import BackupsModels
import BkupJSON
import Foundation
import GRDB
import Synchronization

/// The emulator's state and its transactions: the store, simulated time, faults. Every change
/// happens in one SQLite write transaction, committed before the answer.
final class EmulatorService: Sendable {
    let configuration: EmulatorConfiguration
    let store: Store
    let simulation: Simulation
    let batcher: WriteBatcher
    let faults = FaultInjector()
    /// The wait of every answer on Appwrite's paths (`--latency`); nil: none.
    let latency: LatencyLine?
    /// Requests seen on Appwrite's paths (for tests of clients' retries).
    let requestCount = Mutex(0)
    /// Requests on Appwrite's paths being answered now, and the most at once (a client's
    /// concurrency, seen from the server).
    let inFlight = Mutex((now: 0, peak: 0))
    /// List requests that asked for no count (`total=false`).
    let uncountedLists = Mutex(0)

    init(configuration: EmulatorConfiguration) throws {
        guard Domains.speed.contains(.float(configuration.speed)) else {
            throw ServiceError(500, "general_server_error", "the emulator's speed must be \(Domains.speed.expected), not \(configuration.speed)")
        }
        self.configuration = configuration
        latency = configuration.latencyMilliseconds > 0 ? LatencyLine(milliseconds: configuration.latencyMilliseconds) : nil
        store = try Store(path: configuration.dataPath, durability: configuration.durability, defaultProject: configuration.project)
        let realNow = Int64(Date().timeIntervalSince1970 * 1000)
        let stored = try store.writer.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'virtualNow'").flatMap { Int64($0) }
        }
        let faults = self.faults
        simulation = Simulation(start: max(stored ?? realNow, realNow), speed: configuration.speed,
                                archiveFailureRate: { faults.archiveFailureRate })
        batcher = WriteBatcher(writer: store.writer, simulation: simulation)
        if let stored, realNow > stored {
            // Time passed while the emulator was stopped: like cron, missed runs are not replayed.
            try store.writer.write { db in
                for row in try Row.fetchAll(db, sql: "SELECT seq, schedule FROM policies WHERE enabled = 1") {
                    try db.execute(sql: "UPDATE policies SET nextRunAt = ? WHERE seq = ?",
                                   arguments: [Simulation.nextRun(row["schedule"], after: realNow), row["seq"] as Int64])
                }
            }
        }
        if configuration.seed > 0 {
            for project in configuration.projects {
                let existing = try store.writer.read { db in
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resources WHERE project = ?", arguments: [project]) ?? 0
                }
                if existing == 0 { _ = try Controls.seed(self, project: project, databases: configuration.seed) }
            }
        }
    }

    var now: Int64 { simulation.now }

    /// A write, committed before it returns, after everything that has come due has run (only
    /// then: a tick costs a few queries, and most writes find nothing due). Writes that arrive
    /// together share a transaction (WriteBatcher).
    func write<T: Sendable>(alwaysTick: Bool = false, _ body: @escaping @Sendable (Database, Int64) throws -> T) async throws -> T {
        try await batcher.write(alwaysTick: alwaysTick, body)
    }

    /// A read; takes the write path first when something is due.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database, Int64) throws -> T) async throws -> T {
        let now = self.now
        if simulation.isDue(at: now) { return try await write(body) }
        return try readHere(at: now, body)
    }

    /// A read on the calling thread: reading the emulator's data takes microseconds, less than
    /// the two thread hops of GRDB's async read.
    /// In memory, reads are serialized with writes already, so no transaction is needed (GRDB's
    /// `read` would also switch the connection to query-only and back, every time); a file's
    /// pool reads from a snapshot in a transaction.
    private func readHere<T>(at now: Int64, _ body: (Database, Int64) throws -> T) throws -> T {
        if store.writer is DatabaseQueue { return try store.writer.unsafeRead { db in try body(db, now) } }
        return try store.writer.read { db in try body(db, now) }
    }

    // MARK: what every collection does

    /// One page of a list, as `{total, <key>: [...]}`.
    func list(_ schema: Schema, _ query: QueryString, project: String, key: String,
              record: @escaping @Sendable (Row) -> JSONValue) async throws -> JSONValue
    {
        var compiled: CompiledQuery
        do { compiled = try QueryCompiler.compile(query.queries, for: schema, project: project) } catch let e as QueryError {
            throw ServiceError(400, e.type, e.message)
        }
        compiled.total = query.total
        if !query.total { uncountedLists.withLock { $0 += 1 } }
        let finished = compiled
        return try await read { db, _ in
            do {
                let (total, rows) = try QueryCompiler.run(finished, in: schema, project: project, db: db)
                let items: [JSONValue] = rows.map { row in
                    let full = record(row)
                    guard let select = finished.select, case .object(let o) = full else { return full }
                    return .object(o.filter { $0.key.hasPrefix("$") || select.contains($0.key) })
                }
                return .object(["total": .integer(Int64(total)), key: .array(items)])
            } catch let e as QueryError {
                throw ServiceError(400, e.type, e.message)
            }
        }
    }

    func get(_ schema: Schema, id: String, project: String, record: @escaping @Sendable (Row) -> JSONValue) async throws -> JSONValue {
        try await read { db, _ in
            guard let row = try Self.row(db, schema, id: id, project: project) else {
                throw ServiceError.notFound(schema.notFoundType, schema.noun, id)
            }
            return record(row)
        }
    }

    func delete(_ schema: Schema, id: String, project: String) async throws {
        try await write { db, _ in
            try db.cachedStatement(sql: "DELETE FROM \(schema.table) WHERE project = ? AND id = ?").execute(arguments: [project, id])
            guard db.changesCount > 0 else { throw ServiceError.notFound(schema.notFoundType, schema.noun, id) }
        }
    }

    static func row(_ db: Database, _ schema: Schema, id: String, project: String) throws -> Row? {
        // Prepared once per connection: compiling a statement costs more than running it here.
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM \(schema.table) WHERE project = ? AND id = ?"), arguments: [project, id])
    }

    /// The `resourceType` of the resource a policy or archive of `services` names, or 404 with
    /// that resource's own type (`database_not_found`...), as Appwrite's own APIs answer.
    static func resourceType(_ db: Database, project: String, _ resourceId: String, services: [String]) throws -> String {
        let kinds = ResourceKind.allCases.filter { kind in services.contains { ServiceType(rawValue: $0)?.resourceKind == kind } }
        for kind in kinds {
            if try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM resources WHERE project = ? AND kind = ? AND id = ?"),
                                 arguments: [project, kind.rawValue, resourceId]) == true
            {
                return kind.resourceType
            }
        }
        let kind = kinds.first ?? .databases
        throw ServiceError.notFound(kind.notFoundType, kind.noun, resourceId)
    }
}
