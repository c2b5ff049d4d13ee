import BackupsModels
import BkupJSON
import Foundation
import GRDB
import Synchronization

/// An error the service answers with: `{message, code, type, version}`.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    public let code: Int
    public let type: String
    public let message: String
    public init(_ code: Int, _ type: String, _ message: String) {
        self.code = code
        self.type = type
        self.message = message
    }
    public var description: String { "\(type) (\(code)): \(message)" }

    static func argument(_ param: String, _ rule: String) -> ServiceError {
        ServiceError(400, "general_argument_invalid", "Invalid `\(param)` param: \(rule)")
    }
    static func missing(_ param: String) -> ServiceError {
        ServiceError(400, "general_argument_invalid", "Param \"\(param)\" is not optional.")
    }
}

/// Simulated time: real time scaled by `speed`, plus whatever the control API advanced.
struct VirtualClock {
    var anchorVirtualMs: Int64
    var anchorReal: ContinuousClock.Instant
    var speed: Double

    func now() -> Int64 {
        let elapsed = ContinuousClock.now - anchorReal
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return anchorVirtualMs + Int64(ms * speed)
    }
}

/// The Backups service: validation, state changes, lifecycles, schedules and retention.
/// Every change happens in one SQLite write transaction, committed before the answer.
final class Engine: Sendable {
    let store: Store
    let configuration: EmulatorConfiguration
    private let clock: Mutex<VirtualClock>
    /// The earliest time something is due (a schedule, a status change, an expiry): reads
    /// only take the write path once it has passed.
    private let nextDue = Mutex<Int64>(0)
    let faults = Mutex(Faults())
    /// Requests seen on Appwrite's paths (for tests of clients' retries).
    let requestCount = Mutex(0)

    // Simulated durations (ms) of each phase.
    static let archivePhases: [(String, Int64)] = [("pending", 1000), ("processing", 2000), ("uploading", 1000)]
    static let restorationPhases: [(String, Int64)] = [("pending", 1000), ("downloading", 2000), ("processing", 2000)]
    static let day: Int64 = 86_400_000

    init(configuration: EmulatorConfiguration) throws {
        self.configuration = configuration
        store = try Store(path: configuration.dataPath)
        let realNow = Int64(Date().timeIntervalSince1970 * 1000)
        let stored = try store.writer.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'virtualNow'").flatMap { Int64($0) }
        }
        let start = max(stored ?? realNow, realNow)
        clock = Mutex(VirtualClock(anchorVirtualMs: start, anchorReal: .now, speed: configuration.speed))
        if let stored, realNow > stored {
            // Time passed while the emulator was stopped: like cron, missed runs are not replayed.
            try store.writer.write { db in
                for row in try Row.fetchAll(db, sql: "SELECT id, schedule FROM policies WHERE enabled = 1") {
                    let next = Engine.nextRun(row["schedule"], after: realNow)
                    try db.execute(sql: "UPDATE policies SET nextRunAt = ? WHERE id = ?", arguments: [next, row["id"] as String])
                }
            }
        }
        if configuration.seed > 0 {
            let existing = try store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resources") ?? 0 }
            if existing == 0 { _ = try seed(databases: configuration.seed, buckets: 0, functions: 0, archives: 0) }
        }
    }

    var now: Int64 { clock.withLock { $0.now() } }

    static func nextRun(_ schedule: String, after ms: Int64) -> Int64? {
        guard let cron = try? CronExpression(schedule),
            let next = cron.next(after: Date(timeIntervalSince1970: Double(ms) / 1000))
        else { return nil }
        return Int64(next.timeIntervalSince1970 * 1000)
    }

    // MARK: transactions

    /// A write transaction, after running everything that has come due (only then: a tick
    /// costs a few queries, and most writes find nothing due).
    func write<T>(alwaysTick: Bool = false, _ body: @escaping @Sendable (Database, Int64) throws -> T) async throws -> T
        where T: Sendable
    {
        let now = self.now
        return try await store.writer.write { db in
            if alwaysTick || now >= self.nextDue.withLock({ $0 }) { try self.tick(db, to: now) }
            return try body(db, now)
        }
    }

    /// A read; takes the write path first when something is due.
    func read<T>(_ body: @escaping @Sendable (Database, Int64) throws -> T) async throws -> T where T: Sendable {
        let now = self.now
        if now >= nextDue.withLock({ $0 }) {
            return try await write(body)
        }
        return try await store.writer.read { db in try body(db, now) }
    }

    private func lowerNextDue(_ t: Int64) { nextDue.withLock { $0 = min($0, t) } }

    // MARK: time

    /// Runs every due schedule firing, status change and expiry up to `now`, in time order.
    func tick(_ db: Database, to now: Int64) throws {
        var firings = 0
        while firings < 200_000,
            let row = try Row.fetchOne(db, sql: """
                SELECT id, nextRunAt, schedule, services, resourceId, resourceType FROM policies
                WHERE enabled = 1 AND nextRunAt IS NOT NULL AND nextRunAt <= ? ORDER BY nextRunAt, seq LIMIT 1
                """, arguments: [now])
        {
            firings += 1
            let t: Int64 = row["nextRunAt"]
            try advanceLifecycles(db, to: t)
            try expire(db, at: t)
            try insertArchive(db, at: t, policyId: row["id"], services: row["services"], resourceId: row["resourceId"],
                              resourceType: row["resourceType"])
            try db.execute(sql: "UPDATE policies SET nextRunAt = ? WHERE id = ?",
                           arguments: [Engine.nextRun(row["schedule"], after: t), row["id"] as String])
        }
        try advanceLifecycles(db, to: now)
        try expire(db, at: now)
        try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('virtualNow', ?)", arguments: [String(now)])
        try recomputeNextDue(db)
    }

    private func recomputeNextDue(_ db: Database) throws {
        let candidates: [Int64?] = [
            try Int64.fetchOne(db, sql: "SELECT MIN(nextRunAt) FROM policies WHERE enabled = 1"),
            try Int64.fetchOne(db, sql: "SELECT MIN(createdAt) + 1000 FROM archives WHERE status IN ('pending','processing','uploading')"),
            try Int64.fetchOne(db, sql: "SELECT MIN(createdAt) + 1000 FROM restorations WHERE status IN ('pending','downloading','processing')"),
            try Int64.fetchOne(db, sql: """
                SELECT MIN(a.createdAt + p.retention * 86400000) FROM policies p JOIN archives a ON a.policyId = p.id
                """),
        ]
        let due = candidates.compactMap { $0 }.min() ?? Int64.max
        nextDue.withLock { $0 = due }
    }

    static func phase(_ phases: [(String, Int64)], age: Int64) -> (status: String, since: Int64)? {
        var t: Int64 = 0
        for (name, length) in phases {
            if age < t + length { return (name, t) }
            t += length
        }
        return nil  // done
    }

    private func advanceLifecycles(_ db: Database, to t: Int64) throws {
        let total = Engine.archivePhases.reduce(0) { $0 + $1.1 }
        for row in try Row.fetchAll(db, sql: """
            SELECT id, createdAt, status, willFail, startedAt FROM archives
            WHERE status IN ('pending','processing','uploading') AND createdAt + 1000 <= ?
            """, arguments: [t])
        {
            let id: String = row["id"]
            let created: Int64 = row["createdAt"]
            let started = created + Engine.archivePhases[0].1
            if let (status, since) = Engine.phase(Engine.archivePhases, age: t - created) {
                if status != row["status"] as String {
                    let failNow = (row["willFail"] as Bool) && status == "uploading"
                    try db.execute(sql: "UPDATE archives SET status = ?, startedAt = ?, updatedAt = ? WHERE id = ?",
                                   arguments: [failNow ? "failed" : status, started, created + since, id])
                }
            } else if row["willFail"] as Bool {
                try db.execute(sql: "UPDATE archives SET status = 'failed', startedAt = ?, updatedAt = ? WHERE id = ?",
                               arguments: [started, created + 3000, id])
            } else {
                try db.execute(sql: "UPDATE archives SET status = 'completed', startedAt = ?, size = ?, updatedAt = ? WHERE id = ?",
                               arguments: [started, Engine.size(of: id), created + total, id])
            }
        }
        let restoreTotal = Engine.restorationPhases.reduce(0) { $0 + $1.1 }
        for row in try Row.fetchAll(db, sql: """
            SELECT id, createdAt, status, newResourceId, newResourceName, archiveId FROM restorations
            WHERE status IN ('pending','downloading','processing') AND createdAt + 1000 <= ?
            """, arguments: [t])
        {
            let id: String = row["id"]
            let created: Int64 = row["createdAt"]
            let started = created + Engine.restorationPhases[0].1
            if let (status, since) = Engine.phase(Engine.restorationPhases, age: t - created) {
                if status != row["status"] as String {
                    try db.execute(sql: "UPDATE restorations SET status = ?, startedAt = ?, updatedAt = ? WHERE id = ?",
                                   arguments: [status, started, created + since, id])
                }
                continue
            }
            let doneAt = created + restoreTotal
            var options: JSONValue = .object([:])
            if let newId = row["newResourceId"] as String? {
                let name = (row["newResourceName"] as String?) ?? "Restored \(newId)"
                let oldId = try String.fetchOne(db, sql: "SELECT resourceId FROM archives WHERE id = ?",
                                                arguments: [row["archiveId"] as String])
                try db.execute(sql: """
                    INSERT OR IGNORE INTO resources(kind, id, name, type, enabled, createdAt, updatedAt)
                    VALUES ('databases', ?, ?, 'legacy', 1, ?, ?)
                    """, arguments: [newId, name, doneAt, doneAt])
                options = .object(["databases": .object(["database": .array([.object([
                    "oldId": oldId.map { .string($0) } ?? .null, "newId": .string(newId), "newName": .string(name),
                ])])])])
            }
            try db.execute(sql: "UPDATE restorations SET status = 'completed', startedAt = ?, options = ?, updatedAt = ? WHERE id = ?",
                           arguments: [started, try JSONCodec.encode(options), doneAt, id])
        }
    }

    /// Archives older than their policy's retention are deleted.
    private func expire(_ db: Database, at t: Int64) throws {
        try db.execute(sql: """
            DELETE FROM archives WHERE policyId IS NOT NULL AND createdAt + 86400000 *
              (SELECT retention FROM policies p WHERE p.id = archives.policyId) <= ?
            """, arguments: [t])
    }

    /// A size that stays the same for the same archive.
    static func size(of id: String) -> Int64 {
        var h: UInt64 = 1469598103934665603
        for b in id.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return Int64(1 << 20) + Int64(h % UInt64(200 << 20))
    }

    private func insertArchive(_ db: Database, at t: Int64, policyId: String?, services: String, resourceId: String?,
                               resourceType: String?) throws -> String
    {
        let id = ID.unique()
        let rate = faults.withLock { $0.archiveFailureRate }
        let willFail = rate > 0 && Double.random(in: 0..<1) < rate
        try db.execute(sql: """
            INSERT INTO archives(id, policyId, status, migrationId, services, resourceId, resourceType, createdAt, updatedAt, willFail)
            VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, policyId, ID.unique(), services, resourceId, resourceType, t, t, willFail])
        lowerNextDue(t + 1000)
        return id
    }

    // MARK: parameters

    struct Params {
        let body: [String: JSONValue]

        func string(_ name: String, required: Bool = false) throws -> String? {
            guard let v = body[name], !v.isNull else {
                if required { throw ServiceError.missing(name) }
                return nil
            }
            guard case .string(let s) = v else { throw ServiceError.argument(name, "Value must be a valid string") }
            return s
        }

        func strings(_ name: String, required: Bool = false) throws -> [String]? {
            guard let v = body[name], !v.isNull else {
                if required { throw ServiceError.missing(name) }
                return nil
            }
            guard case .array(let items) = v else { throw ServiceError.argument(name, "Value must be a valid array") }
            return try items.map {
                guard case .string(let s) = $0 else { throw ServiceError.argument(name, "Value must be an array of strings") }
                return s
            }
        }

        func integer(_ name: String, required: Bool = false) throws -> Int64? {
            guard let v = body[name], !v.isNull else {
                if required { throw ServiceError.missing(name) }
                return nil
            }
            switch v {
            case .integer(let i): return i
            case .number(let d) where d == d.rounded() && abs(d) < 9e18: return Int64(d)
            default: throw ServiceError.argument(name, "Value must be a valid integer")
            }
        }

        func bool(_ name: String) throws -> Bool? {
            guard let v = body[name], !v.isNull else { return nil }
            guard case .bool(let b) = v else { throw ServiceError.argument(name, "Value must be a valid boolean") }
            return b
        }
    }

    static func validated(_ body: () throws(Validation.Failure) -> Void) throws {
        do { try body() } catch { throw ServiceError(400, "general_argument_invalid", error.description) }
    }

    /// The resource types a set of services covers, as the resources table's kinds.
    static func resourceKinds(_ services: [String]) -> Set<String> {
        Set(services.compactMap { ServiceType(rawValue: $0) }.map {
            switch $0.resourceType {
            case "bucket": return "buckets"
            case "function": return "functions"
            default: return "databases"
            }
        })
    }

    static func checkResource(_ db: Database, _ resourceId: String, services: [String]) throws -> String {
        let kinds = resourceKinds(services)
        for kind in kinds.sorted() {
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM resources WHERE kind = ? AND id = ?", arguments: [kind, resourceId]) == true {
                return kind == "buckets" ? "bucket" : kind == "functions" ? "function" : "database"
            }
        }
        let names = kinds.sorted().map { $0 == "databases" ? "database" : String($0.dropLast()) }.joined(separator: " or ")
        throw ServiceError.argument("resourceId", "no \(names) with ID '\(resourceId)' exists")
    }

    // MARK: policies

    func createPolicy(_ p: Params) async throws -> JSONValue {
        var id = try p.string("policyId", required: true)!
        let name = try p.string("name") ?? ""
        let services = try p.strings("services", required: true)!
        let resourceId = try p.string("resourceId")
        let enabled = try p.bool("enabled") ?? true
        let retention = try p.integer("retention", required: true)!
        let schedule = try p.string("schedule", required: true)!
        try Engine.validated { () throws(Validation.Failure) in
            try Validation.id(id, param: "policyId", allowUnique: true)
            try Validation.name(name)
            try Validation.services(services)
            if let r = resourceId { try Validation.id(r, param: "resourceId") }
            try Validation.retention(retention)
            try Validation.schedule(schedule)
        }
        if id == ID.uniqueMarker { id = ID.unique() }
        let finalID = id
        return try await write { db, now in
            var resourceType: String?
            if let r = resourceId { resourceType = try Engine.checkResource(db, r, services: services) }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM policies WHERE id = ?", arguments: [finalID]) == true {
                throw ServiceError(409, "backup_policy_already_exists", "Policy with the requested ID '\(finalID)' already exists.")
            }
            let next = enabled ? Engine.nextRun(schedule, after: now) : nil
            try db.execute(sql: """
                INSERT INTO policies(id, name, createdAt, updatedAt, services, resourceId, resourceType, retention, schedule, enabled, nextRunAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [finalID, name, now, now, encodeStrings(services), resourceId, resourceType, retention, schedule, enabled, next])
            if let next { self.lowerNextDue(next) }
            return Records.policy(try Row.fetchOne(db, sql: "SELECT * FROM policies WHERE id = ?", arguments: [finalID])!)
        }
    }

    func updatePolicy(_ id: String, _ p: Params) async throws -> JSONValue {
        let name = try p.string("name")
        let retention = try p.integer("retention")
        let schedule = try p.string("schedule")
        let enabled = try p.bool("enabled")
        try Engine.validated { () throws(Validation.Failure) in
            if let name { try Validation.name(name) }
            if let retention { try Validation.retention(retention) }
            if let schedule { try Validation.schedule(schedule) }
        }
        return try await write { db, now in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM policies WHERE id = ?", arguments: [id]) else {
                throw ServiceError(404, "backup_policy_not_found", "Policy with the requested ID '\(id)' could not be found.")
            }
            let newSchedule = schedule ?? row["schedule"]
            let newEnabled = enabled ?? row["enabled"]
            var next: Int64? = row["nextRunAt"]
            if schedule != nil || enabled != nil { next = newEnabled ? Engine.nextRun(newSchedule, after: now) : nil }
            try db.execute(sql: """
                UPDATE policies SET name = ?, retention = ?, schedule = ?, enabled = ?, nextRunAt = ?, updatedAt = ? WHERE id = ?
                """, arguments: [name ?? row["name"], retention ?? row["retention"], newSchedule, newEnabled, next, now, id])
            if let next { self.lowerNextDue(next) }
            if retention != nil { self.lowerNextDue(now) }
            return Records.policy(try Row.fetchOne(db, sql: "SELECT * FROM policies WHERE id = ?", arguments: [id])!)
        }
    }

    // MARK: archives

    func createArchive(_ p: Params) async throws -> JSONValue {
        let services = try p.strings("services", required: true)!
        let resourceId = try p.string("resourceId")
        try Engine.validated { () throws(Validation.Failure) in
            try Validation.services(services)
            if let r = resourceId { try Validation.id(r, param: "resourceId") }
        }
        return try await write { db, now in
            var resourceType: String?
            if let r = resourceId { resourceType = try Engine.checkResource(db, r, services: services) }
            let id = try self.insertArchive(db, at: now, policyId: nil, services: encodeStrings(services), resourceId: resourceId,
                                            resourceType: resourceType)
            return Records.archive(try Row.fetchOne(db, sql: "SELECT * FROM archives WHERE id = ?", arguments: [id])!)
        }
    }

    // MARK: restorations

    func createRestoration(_ p: Params) async throws -> JSONValue {
        let archiveId = try p.string("archiveId", required: true)!
        let services = try p.strings("services", required: true)!
        var newResourceId = try p.string("newResourceId")
        let newResourceName = try p.string("newResourceName")
        try Engine.validated { () throws(Validation.Failure) in
            try Validation.id(archiveId, param: "archiveId")
            try Validation.services(services)
            if let n = newResourceId { try Validation.id(n, param: "newResourceId", allowUnique: true) }
            if let n = newResourceName { try Validation.name(n, param: "newResourceName") }
        }
        if newResourceId == ID.uniqueMarker { newResourceId = ID.unique() }
        let newId = newResourceId
        return try await write { db, now in
            guard let archive = try Row.fetchOne(db, sql: "SELECT * FROM archives WHERE id = ?", arguments: [archiveId]) else {
                throw ServiceError(404, "backup_archive_not_found", "Archive with the requested ID '\(archiveId)' could not be found.")
            }
            let status: String = archive["status"]
            guard status == "completed" else {
                throw ServiceError.argument("archiveId", "archive '\(archiveId)' is \(status); only a completed archive can be restored")
            }
            if let newId, try Bool.fetchOne(db, sql: "SELECT 1 FROM resources WHERE kind = 'databases' AND id = ?", arguments: [newId]) == true {
                throw ServiceError(409, "database_already_exists", "Database with the requested ID '\(newId)' already exists.")
            }
            let id = ID.unique()
            try db.execute(sql: """
                INSERT INTO restorations(id, archiveId, policyId, status, migrationId, services, newResourceId, newResourceName, createdAt, updatedAt)
                VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)
                """, arguments: [id, archiveId, archive["policyId"] as String?, ID.unique(), encodeStrings(services), newId,
                                 newResourceName, now, now])
            self.lowerNextDue(now + 1000)
            return Records.restoration(try Row.fetchOne(db, sql: "SELECT * FROM restorations WHERE id = ?", arguments: [id])!)
        }
    }

    // MARK: generic reads and deletes

    func list(_ c: Collection, queries: [String], key: String, record: @escaping @Sendable (Row) -> JSONValue) async throws -> JSONValue {
        let compiled: CompiledQuery
        do { compiled = try QueryCompiler.compile(queries, for: c) } catch let e as QueryError {
            throw ServiceError(400, e.type, e.message)
        }
        let select = compiled.select
        return try await read { db, _ in
            do {
                let (total, rows) = try QueryCompiler.run(compiled, in: c, db: db)
                let items: [JSONValue] = rows.map { row in
                    let full = record(row)
                    guard let select, case .object(let o) = full else { return full }
                    return .object(o.filter { $0.key.hasPrefix("$") || select.contains($0.key) })
                }
                return .object(["total": .integer(Int64(total)), key: .array(items)])
            } catch let e as QueryError {
                throw ServiceError(400, e.type, e.message)
            }
        }
    }

    func get(_ c: Collection, id: String, record: @escaping @Sendable (Row) -> JSONValue) async throws -> JSONValue {
        try await read { db, _ in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM \(c.table) WHERE id = ?", arguments: [id]) else {
                throw ServiceError(404, c.notFoundType, "\(c.noun) with the requested ID '\(id)' could not be found.")
            }
            return record(row)
        }
    }

    func delete(_ c: Collection, id: String) async throws {
        try await write { db, _ in
            try db.execute(sql: "DELETE FROM \(c.table) WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else {
                throw ServiceError(404, c.notFoundType, "\(c.noun) with the requested ID '\(id)' could not be found.")
            }
        }
    }

    // MARK: control

    func advance(byMs ms: Int64) async throws -> Int64 {
        guard ms >= 0 else { throw ServiceError.argument("seconds", "Value must be a non-negative number") }
        clock.withLock { $0.anchorVirtualMs += ms }
        // Always tick, so that the advanced clock is stored even when nothing came due.
        return try await write(alwaysTick: true) { _, now in now }
    }

    func seed(databases: Int, buckets: Int, functions: Int, archives: Int) throws -> JSONValue {
        let now = self.now
        return try store.writer.write { db in
            var created: [String: JSONValue] = [:]
            for (kind, count, prefix, noun) in [("databases", databases, "db", "Database"), ("buckets", buckets, "bucket", "Bucket"),
                                                ("functions", functions, "fn", "Function")] where count > 0
            {
                let existing = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resources WHERE kind = ?", arguments: [kind]) ?? 0
                var ids: [JSONValue] = []
                for i in (existing + 1)...(existing + count) {
                    let id = String(format: "%@-%04d", prefix, i)
                    try db.execute(sql: """
                        INSERT OR IGNORE INTO resources(kind, id, name, type, enabled, createdAt, updatedAt) VALUES (?, ?, ?, ?, 1, ?, ?)
                        """, arguments: [kind, id, "\(noun) \(i)", kind == "databases" ? "legacy" : nil, now + Int64(i), now + Int64(i)])
                    ids.append(.string(id))
                }
                created[kind] = .array(ids)
            }
            if archives > 0 {
                // Completed manual archives spread one minute apart, oldest first (for load tests).
                let statement = try db.makeStatement(sql: """
                    INSERT INTO archives(id, policyId, size, status, startedAt, migrationId, services, resourceId, resourceType, createdAt, updatedAt)
                    VALUES (?, NULL, ?, ?, ?, ?, '["databases"]', ?, 'database', ?, ?)
                    """)
                let statuses = ["completed", "completed", "completed", "failed"]
                for i in 0..<archives {
                    let t = now - Int64(archives - i) * 60_000
                    let id = String(format: "seed%016x", i)
                    try statement.execute(arguments: [id, Engine.size(of: id), statuses[i % 4], t + 1000, "m\(id)",
                                                      String(format: "db-%04d", i % 100 + 1), t, t + 4000])
                }
                created["archives"] = .integer(Int64(archives))
            }
            return .object(created)
        }
    }

    func reset() async throws {
        try await store.writer.write { db in
            for t in ["policies", "archives", "restorations", "resources"] { try db.execute(sql: "DELETE FROM \(t)") }
        }
        faults.withLock { $0 = Faults() }
        nextDue.withLock { $0 = Int64.max }
    }
}
