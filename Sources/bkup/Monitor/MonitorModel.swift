import Foundation

/// What one poll of a project found (stdlib/backups/monitor.lua's `poll`), as Swift reads it.
struct PollData: Codable, Sendable {
    struct Resource: Codable, Sendable {
        var kind: String
        var id: String
        var name: String
        /// "missed", "failed", "unprotected" or "ok" (worst first).
        var state: String
        var protected: Bool
        var policies: [String]
        var lastCompleted: Double?
        var lastCompletedAge: Double?
        var lastSize: Int64?
        var lastFailed: Bool
        var failures: Int
        var missed: Int
        var nextScheduled: Double?
        var interval: Double?
        var archives: [String: Int]
        /// One character a UTC day, oldest first: # completed, ~ running, x failed, ! missed,
        /// - past retention, . none (backups.report.calendar's).
        var calendar: String
    }

    struct Policy: Codable, Sendable {
        var id: String
        var name: String
        var resource: String
        var schedule: String
        var retention: Int64
        var enabled: Bool
    }

    struct Finding: Codable, Sendable {
        var check: String
        var subject: String
        var detail: String
    }

    /// A gauge a checks script set (monitor.gauge).
    struct Gauge: Codable, Sendable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// The service's clock at the poll (Unix seconds).
    var now: Double
    var resources: [Resource]
    var policies: [Policy]
    var findings: [Finding]
    var requests: Int
    var changed: Int
    var archiveCount: Int
    var fullReads: Int
    var calendarFirst: String
    var days: Int
    var gauges: [Gauge]?
}

/// A project as the monitor shows it: the newest good poll, and whether the last one failed.
struct ProjectHealth: Sendable {
    var name: String
    var project = ""
    /// The newest poll that succeeded (kept when a later one fails, shown as failing).
    var data: PollData?
    /// Why the last poll (or the doctor at start) failed; nil when it succeeded.
    var error: String?
    var polls = 0
    var requestsTotal = 0
    var fullReadsTotal = 0
    var archivesReadTotal = 0
    var lastPollSeconds = 0.0
    /// This machine's clock when a poll last succeeded.
    var lastSuccess: Double?

    init(name: String) { self.name = name }

    var failing: Bool { error != nil || data == nil }

    /// "failing", or the worst state of a resource: what the page sorts by.
    var state: String {
        if failing { return "failing" }
        return data!.resources.map(\.state).min { (Self.rank[$0] ?? 9) < (Self.rank[$1] ?? 9) } ?? "ok"
    }

    static let rank = ["failing": 0, "missed": 1, "failed": 2, "unprotected": 3, "ok": 4]

    /// The projects, worst first (then by name).
    static func worstFirst(_ projects: [ProjectHealth]) -> [ProjectHealth] {
        projects.sorted { a, b in
            let (ra, rb) = (rank[a.state] ?? 9, rank[b.state] ?? 9)
            return ra != rb ? ra < rb : a.name < b.name
        }
    }
}

/// Every project's health, shared by the pollers and the HTTP server.
final class MonitorBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var projects: [ProjectHealth]
    let interval: Double

    init(names: [String], interval: Double) {
        projects = names.map(ProjectHealth.init)
        self.interval = interval
    }

    func update(_ index: Int, _ change: (inout ProjectHealth) -> Void) {
        lock.lock()
        change(&projects[index])
        lock.unlock()
    }

    var snapshot: [ProjectHealth] {
        lock.lock()
        defer { lock.unlock() }
        return projects
    }
}
