import BackupsModels
import GRDB

/// How the records of one collection move through their in-progress statuses (BackupsModels
/// gives the order) in simulated time, each for a set length, then to a final status.
struct Lifecycle: Sendable {
    let table: String
    let phases: [(status: String, length: Int64)]
    let finalStatus: String

    static let archives = Lifecycle(
        table: "archives", statuses: ArchiveStatus.inProgress.map(\.rawValue), lengths: [1000, 2000, 1000],
        finalStatus: ArchiveStatus.completed.rawValue)
    static let restorations = Lifecycle(
        table: "restorations", statuses: RestorationStatus.inProgress.map(\.rawValue), lengths: [1000, 2000, 2000],
        finalStatus: RestorationStatus.completed.rawValue)

    init(table: String, statuses: [String], lengths: [Int64], finalStatus: String) {
        self.table = table
        phases = Array(zip(statuses, lengths))
        self.finalStatus = finalStatus
    }

    /// When a record leaves its first status (and is "started"), after its creation.
    var firstBoundary: Int64 { phases[0].length }
    var total: Int64 { phases.reduce(0) { $0 + $1.length } }
    /// `('pending','processing',...)` for SQL.
    var inProgressSQL: String { "(" + phases.map { "'\($0.status)'" }.joined(separator: ",") + ")" }
    var lastPhase: String { phases[phases.count - 1].status }

    /// The status a record created at `createdAt` has at `t`, and since when.
    func stage(createdAt: Int64, at t: Int64) -> (status: String, since: Int64) {
        var start = createdAt
        for (status, length) in phases {
            if t < start + length { return (status, start) }
            start += length
        }
        return (finalStatus, start)
    }

    /// What a collection makes of a record reaching `status` (an archive fated to fail fails).
    struct Settlement {
        var status: String
        var columns: [String: (any DatabaseValueConvertible)?] = [:]
    }

    /// Moves every record still in progress to the status its age gives at `t`. `settle`
    /// decides the columns of each change.
    func advance(_ db: Database, to t: Int64, settle: (Row, _ status: String, _ at: Int64) throws -> Settlement) throws {
        let rows = try Row.fetchAll(db, sql: """
            SELECT * FROM \(table) WHERE status IN \(inProgressSQL) AND createdAt + \(firstBoundary) <= ?
            """, arguments: [t])
        for row in rows {
            let created: Int64 = row["createdAt"]
            let (status, since) = stage(createdAt: created, at: t)
            guard status != row["status"] as String else { continue }
            let s = try settle(row, status, since)
            var columns = s.columns
            columns["status"] = s.status
            columns["startedAt"] = created + firstBoundary
            columns["updatedAt"] = since
            let names = columns.keys.sorted()
            try db.execute(
                sql: "UPDATE \(table) SET " + names.map { "\($0) = ?" }.joined(separator: ", ") + " WHERE seq = ?",
                arguments: StatementArguments(names.map { columns[$0]! } + [row["seq"] as Int64]))
        }
    }
}
