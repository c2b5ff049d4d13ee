import BackupsModels
import BkupJSON
import Foundation
import GRDB
import Synchronization

/// Simulated time: real time scaled by `speed`, plus whatever the control API advanced.
struct VirtualClock {
    var anchorVirtualMs: Int64
    var anchorReal: ContinuousClock.Instant
    var speed: Double

    /// Scaled in floating point and stopped at `Simulation.latest`: a high speed over a long run
    /// reaches the end of the clock instead of overflowing it.
    func now() -> Int64 {
        let elapsed = ContinuousClock.now - anchorReal
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let scaled = ms * speed
        guard scaled.isFinite, scaled >= 0 else { return anchorVirtualMs }
        return scaled < Double(Simulation.latest - anchorVirtualMs) ? anchorVirtualMs + Int64(scaled) : Simulation.latest
    }
}

/// The service's own life in simulated time, in every project: enabled policies fire on their
/// schedules, archives and restorations move through their lifecycles, archives older than
/// their policy's retention are deleted.
final class Simulation: Sendable {
    private let clock: Mutex<VirtualClock>
    /// The earliest time something is due: reads take the write path only once it has passed.
    private let nextDue = Mutex<Int64>(0)
    let archiveFailureRate: @Sendable () -> Double

    static let day: Int64 = 86_400_000
    /// The end of the emulator's clock, 9999-12-31T23:59:59.999Z: the last instant a wire date
    /// (four-digit years) can say. Advancing stops here.
    static let latest: Int64 = 253_402_300_799_999
    /// Retention in SQL, never more than the published API's int32 (a state file may hold more).
    static let retentionSQL = "min(p.retention, \(Int32.max))"
    /// Firings of one policy made in one tick at most (a clock moved by years over a
    /// per-minute schedule would otherwise make millions; the oldest are dropped first, and
    /// only those that retention would not have deleted by now are made at all).
    static let maxFiringsPerPolicy = 50_000

    init(start: Int64, speed: Double, archiveFailureRate: @escaping @Sendable () -> Double) {
        clock = Mutex(VirtualClock(anchorVirtualMs: min(start, Simulation.latest), anchorReal: .now, speed: speed))
        self.archiveFailureRate = archiveFailureRate
    }

    var now: Int64 { clock.withLock { $0.now() } }

    /// Moves the clock on by `ms` (at most to `latest`).
    func advance(byMs ms: Int64) {
        clock.withLock { clock in
            let (sum, overflow) = clock.anchorVirtualMs.addingReportingOverflow(max(0, ms))
            clock.anchorVirtualMs = overflow ? Simulation.latest : min(sum, Simulation.latest)
        }
    }

    /// The earliest creation time an archive kept `days` days still has at `now`: saturating, so
    /// that no retention (a state file may hold any) can overflow the arithmetic.
    static func keepFrom(_ now: Int64, retentionDays days: Int64) -> Int64 {
        let (span, overflow) = max(0, days).multipliedReportingOverflow(by: day)
        if overflow { return Int64.min }
        let (from, under) = now.subtractingReportingOverflow(span)
        return under ? Int64.min : from
    }

    /// When an archive made at `createdAt` passes `days` days of retention (saturating).
    static func expiry(_ createdAt: Int64, retentionDays days: Int64) -> Int64 {
        let (span, overflow) = max(0, days).multipliedReportingOverflow(by: day)
        if overflow { return Int64.max }
        let (at, over) = createdAt.addingReportingOverflow(span)
        return over ? Int64.max : at
    }

    func isDue(at t: Int64) -> Bool { t >= nextDue.withLock { $0 } }
    func lowerNextDue(_ t: Int64) { nextDue.withLock { $0 = min($0, t) } }
    func clearNextDue() { nextDue.withLock { $0 = Int64.max } }

    static func nextRun(_ schedule: String, after ms: Int64) -> Int64? {
        guard let cron = try? CronExpression(schedule),
            let next = cron.next(after: Date(timeIntervalSince1970: Double(ms) / 1000))
        else { return nil }
        return Int64(next.timeIntervalSince1970 * 1000)
    }

    /// Runs everything that has come due up to `now`.
    func tick(_ db: Database, to now: Int64) throws {
        try fireSchedules(db, upTo: now)
        try advanceLifecycles(db, to: now)
        try expire(db, at: now)
        try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('virtualNow', ?)", arguments: [String(now)])
        try recomputeNextDue(db)
    }

    /// Every firing of every due policy up to `now`, made as an archive in time order (an
    /// archive's state depends only on its own age, so firings need not be interleaved with
    /// the lifecycles). Firings whose archive retention would already have deleted are skipped.
    private func fireSchedules(_ db: Database, upTo now: Int64) throws {
        var firings: [(t: Int64, row: Row)] = []
        for row in try Row.fetchAll(db, sql: """
            SELECT project, id, nextRunAt, schedule, services, resourceId, resourceType, retention FROM policies
            WHERE enabled = 1 AND nextRunAt IS NOT NULL AND nextRunAt <= ?
            """, arguments: [now])
        {
            guard let cron = try? CronExpression(row["schedule"]) else { continue }
            // A firing at or before keepFrom made an archive that retention has deleted by now.
            let keepFrom = Simulation.keepFrom(now, retentionDays: row["retention"])
            var t: Int64 = row["nextRunAt"]
            if t <= keepFrom { t = Simulation.following(cron, keepFrom) ?? Int64.max }
            var mine: [(Int64, Row)] = []
            while t <= now {
                mine.append((t, row))
                guard let n = Simulation.following(cron, t) else { t = Int64.max; break }
                t = n
            }
            firings += mine.suffix(Simulation.maxFiringsPerPolicy)
            try db.execute(sql: "UPDATE policies SET nextRunAt = ? WHERE project = ? AND id = ?",
                           arguments: [t == Int64.max ? nil : t, row["project"] as String, row["id"] as String])
        }
        firings.sort { $0.t < $1.t }
        for (t, row) in firings {
            try insertArchive(db, project: row["project"], at: t, policyId: row["id"], services: row["services"],
                              resourceId: row["resourceId"], resourceType: row["resourceType"])
        }
    }

    static func following(_ cron: CronExpression, _ ms: Int64) -> Int64? {
        cron.next(after: Date(timeIntervalSince1970: Double(ms) / 1000)).map { Int64($0.timeIntervalSince1970 * 1000) }
    }

    private func advanceLifecycles(_ db: Database, to t: Int64) throws {
        let archives = Lifecycle.archives
        try archives.advance(db, to: t) { row, status, since in
            let fated = row["willFail"] as Bool
            if fated && (status == archives.lastPhase || status == archives.finalStatus) {
                return .init(status: ArchiveStatus.failed.rawValue)
            }
            if status == archives.finalStatus { return .init(status: status, columns: ["size": Simulation.size(of: row["id"])]) }
            return .init(status: status)
        }
        let restorations = Lifecycle.restorations
        try restorations.advance(db, to: t) { row, status, since in
            if status == restorations.finalStatus, let newId = row["newResourceId"] as String? {
                // The restored database appears when the restoration completes.
                let name = (row["newResourceName"] as String?) ?? "Restored \(newId)"
                try db.execute(sql: """
                    INSERT OR IGNORE INTO resources(project, kind, id, name, type, enabled, createdAt, updatedAt)
                    VALUES (?, 'databases', ?, ?, 'legacy', 1, ?, ?)
                    """, arguments: [row["project"] as String, newId, name, since, since])
            }
            return .init(status: status)
        }
    }

    /// Archives older than their policy's retention are deleted. Policy by policy, so that each
    /// is a seek on archives(project, policyId, createdAt), not a scan of every archive.
    private func expire(_ db: Database, at t: Int64) throws {
        try db.cachedStatement(sql: """
            DELETE FROM archives WHERE seq IN (
              SELECT a.seq FROM policies p JOIN archives a ON a.project = p.project AND a.policyId = p.id
              WHERE a.createdAt <= ? - \(Simulation.retentionSQL) * \(Simulation.day))
            """).execute(arguments: [t])
    }

    /// A policy's retention changed: its archives past the new retention go now, and the next
    /// expiry is due when its oldest remaining archive passes it (without a tick of everything).
    func applyRetention(_ db: Database, project: String, policyId: String, retention: Int64, at now: Int64) throws {
        try db.cachedStatement(sql: "DELETE FROM archives WHERE project = ? AND policyId = ? AND createdAt <= ?")
            .execute(arguments: [project, policyId, Simulation.keepFrom(now, retentionDays: retention)])
        let oldest = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT MIN(createdAt) FROM archives WHERE project = ? AND policyId = ?"),
            arguments: [project, policyId])
        if let oldest { lowerNextDue(Simulation.expiry(oldest, retentionDays: retention)) }
    }

    private func recomputeNextDue(_ db: Database) throws {
        let candidates: [Int64?] = [
            try Int64.fetchOne(db, sql: "SELECT MIN(nextRunAt) FROM policies WHERE enabled = 1"),
            try Int64.fetchOne(db, sql: "SELECT MIN(createdAt) + \(Lifecycle.archives.firstBoundary) FROM archives WHERE status IN \(Lifecycle.archives.inProgressSQL)"),
            try Int64.fetchOne(db, sql: "SELECT MIN(createdAt) + \(Lifecycle.restorations.firstBoundary) FROM restorations WHERE status IN \(Lifecycle.restorations.inProgressSQL)"),
            // The oldest archive of each policy is an index seek; joining every archive is a scan.
            try Int64.fetchOne(db, sql: """
                SELECT MIN((SELECT MIN(a.createdAt) FROM archives a WHERE a.project = p.project AND a.policyId = p.id)
                           + \(Simulation.retentionSQL) * \(Simulation.day)) FROM policies p
                """),
        ]
        let due = candidates.compactMap { $0 }.min() ?? Int64.max
        nextDue.withLock { $0 = due }
    }

    /// A size that stays the same for the same archive.
    static func size(of id: String) -> Int64 {
        var h: UInt64 = 1469598103934665603
        for b in id.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return Int64(1 << 20) + Int64(h % UInt64(200 << 20))
    }

    /// A new archive, pending at `t`; returns its ID.
    @discardableResult
    func insertArchive(_ db: Database, project: String, at t: Int64, policyId: String?, services: String, resourceId: String?,
                       resourceType: String?) throws -> String
    {
        let id = ID.unique()
        let rate = archiveFailureRate()
        let willFail = rate > 0 && Double.random(in: 0..<1) < rate
        try db.execute(sql: """
            INSERT INTO archives(project, id, policyId, status, migrationId, services, resourceId, resourceType, createdAt, updatedAt, willFail)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [project, id, policyId, Lifecycle.archives.phases[0].status, ID.unique(), services, resourceId,
                             resourceType, t, t, willFail])
        lowerNextDue(t + Lifecycle.archives.firstBoundary)
        return id
    }
}
