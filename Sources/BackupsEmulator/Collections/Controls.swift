import BackupsModels
import BkupJSON
import GRDB
import Hummingbird

/// The emulator's own controls under `/v1/emulator/` (never Appwrite's paths): the clock (one
/// for the whole server), seeding and resetting a project, request statistics, faults.
struct Controls: Sendable {
    let service: EmulatorService

    func clock(_ request: Request, _ context: EmulatorContext) async throws -> Response {
        let now = service.now
        return Answer.json(200, .object(["now": .string(Millis.wire(now)), "nowMs": .integer(now)]))
    }

    /// `{advanceSeconds, advanceDays}`: moves the clock; everything due runs in time order.
    func advance(_ request: Request, _ context: EmulatorContext) async throws -> Response {
        let p = try await Params.read(request, limit: service.configuration.maxBodyBytes)
        let seconds = try p.number("advanceSeconds", .nullable, in: Domains.clockAdvance) ?? 0
        let days = try p.number("advanceDays", .nullable, in: Self.days) ?? 0
        // Each is inside a century, so the sum is finite; the sum must be too.
        let total = seconds + days * 86400
        guard Domains.clockAdvance.contains(.float(total)) else {
            throw ServiceError.argument("advanceSeconds", "Value must be \(Domains.clockAdvance.expected) with advanceDays, got \(total)")
        }
        let ms = Int64(total * 1000)
        guard service.simulation.now <= Simulation.latest - ms else {
            throw ServiceError.argument("advanceSeconds", "the clock would pass \(Millis.wire(Simulation.latest)), where the emulator's clock ends")
        }
        service.simulation.advance(byMs: ms)
        // Always tick, so that the advanced clock is stored even when nothing came due.
        let now = try await service.write(alwaysTick: true) { _, now in now }
        return Answer.json(200, .object(["now": .string(Millis.wire(now)), "nowMs": .integer(now)]))
    }

    static let days = NumberDomain<Double>.reals(0...36525, "a number of days from 0 to 36525 (100 years)")
    /// Resources and archives one seed request makes at most, of each kind.
    static let seedCount = Domains.count(upTo: 1_000_000)

    /// `{databases, buckets, functions, archives}`: example resources (and completed archives,
    /// for load tests) in the request's project.
    func seed(_ request: Request, _ context: EmulatorContext) async throws -> Response {
        let p = try await Params.read(request, limit: service.configuration.maxBodyBytes)
        func count(_ k: String) throws -> Int { Int(try p.integer(k, .nullable, in: Self.seedCount) ?? 0) }
        let created = try Controls.seed(service, project: context.project, databases: try count("databases"),
                                        buckets: try count("buckets"), functions: try count("functions"), archives: try count("archives"))
        return Answer.json(201, created)
    }

    static func seed(_ service: EmulatorService, project: String, databases: Int, buckets: Int = 0, functions: Int = 0,
                     archives: Int = 0) throws -> JSONValue
    {
        let now = service.now
        return try service.store.writer.write { db in
            var created: [String: JSONValue] = [:]
            for (kind, count, prefix) in [(ResourceKind.databases, databases, "db"), (.buckets, buckets, "bucket"), (.functions, functions, "fn")]
            where count > 0 {
                let existing = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resources WHERE project = ? AND kind = ?",
                                                arguments: [project, kind.rawValue]) ?? 0
                var ids: [JSONValue] = []
                for i in (existing + 1)...(existing + count) {
                    let id = "\(prefix)-\(padded(i, 4))"
                    try db.execute(sql: """
                        INSERT OR IGNORE INTO resources(project, kind, id, name, type, enabled, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, 1, ?, ?)
                        """, arguments: [project, kind.rawValue, id, "\(kind.noun) \(i)", kind == .databases ? "legacy" : nil,
                                         now + Int64(i), now + Int64(i)])
                    ids.append(.string(id))
                }
                created[kind.rawValue] = .array(ids)
            }
            if archives > 0 {
                // Completed manual archives spread one minute apart, oldest first (for load tests).
                let statement = try db.makeStatement(sql: """
                    INSERT INTO archives(project, id, policyId, size, status, startedAt, migrationId, services, resourceId, resourceType, createdAt, updatedAt)
                    VALUES (?, ?, NULL, ?, ?, ?, ?, '["databases"]', ?, 'database', ?, ?)
                    """)
                let statuses: [ArchiveStatus] = [.completed, .completed, .completed, .failed]
                // Numbered on from the last seeded archive: a second seed adds, where it answered
                // 500 on the first ID it repeated (found by the spec referee's harness).
                let last = try String.fetchOne(db, sql: "SELECT MAX(id) FROM archives WHERE project = ? AND id GLOB 'seed????????????????'",
                                               arguments: [project])
                let first = last.flatMap { Int($0.dropFirst(4), radix: 16) }.map { $0 + 1 } ?? 0
                for i in 0..<archives {
                    let t = now - Int64(archives - i) * 60_000
                    let id = "seed" + padded(first + i, 16, radix: 16)
                    try statement.execute(arguments: [project, id, Simulation.size(of: id), statuses[i % 4].rawValue, t + 1000, "m\(id)",
                                                      "db-" + padded(i % 100 + 1, 4), t, t + 4000])
                }
                created["archives"] = .integer(Int64(archives))
            }
            return .object(created)
        }
    }

    func stats(_ request: Request, _ context: EmulatorContext) async throws -> Response {
        Answer.json(200, .object([
            "requests": .integer(Int64(service.requestCount.withLock { $0 })),
            "peakInFlight": .integer(Int64(service.inFlight.withLock { $0.peak })),
            "uncountedLists": .integer(Int64(service.uncountedLists.withLock { $0 })),
            "commits": .integer(Int64(service.batcher.commits.withLock { $0.transactions })),
            "committedWrites": .integer(Int64(service.batcher.commits.withLock { $0.writes })),
        ]))
    }

    /// Empties the request's project and clears the faults.
    func reset(_ request: Request, _ context: EmulatorContext) async throws -> Response {
        let project = context.project
        try await service.store.writer.write { db in
            for t in ["policies", "archives", "restorations", "resources"] {
                try db.execute(sql: "DELETE FROM \(t) WHERE project = ?", arguments: [project])
            }
        }
        service.faults.reset()
        return Answer.noContent
    }

    func faults(_ request: Request, _ context: EmulatorContext) async throws -> Response {
        let p = try await Params.read(request, limit: service.configuration.maxBodyBytes)
        try service.faults.apply(.object(p.body))
        return Answer.noContent
    }
}

/// `i` in at least `width` digits (String(format:) costs a million-archive seed seconds).
private func padded(_ i: Int, _ width: Int, radix: Int = 10) -> String {
    let digits = String(i, radix: radix)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
