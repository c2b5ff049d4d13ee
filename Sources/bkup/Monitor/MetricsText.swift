import Foundation

/// The board in Prometheus's text exposition format (version 0.0.4): each metric family once,
/// with its HELP and TYPE, label values escaped as the format requires (backslash, double quote
/// and line feed), numbers as Go's strconv writes them.
enum MetricsText {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The archive statuses always shown (0 where none), so that an alert sees a series appear.
    static let statuses = ["pending", "processing", "uploading", "completed", "failed", "skipped"]

    struct Family {
        let name: String
        let type: String
        let help: String
        var samples: [String] = []

        mutating func add(_ labels: [(String, String)], _ value: Double) {
            let text = labels.map { "\($0.0)=\"\(MetricsText.escape($0.1))\"" }.joined(separator: ",")
            samples.append(name + (text.isEmpty ? "" : "{\(text)}") + " " + MetricsText.number(value))
        }
    }

    static func render(_ projects: [ProjectHealth]) -> String {
        var f: [String: Family] = [:]
        var order: [String] = []
        func family(_ name: String, _ type: String, _ help: String) {
            f[name] = Family(name: name, type: type, help: help)
            order.append(name)
        }
        family("bkup_resource_protected", "gauge", "1 when an enabled policy covers the resource (its own or a project-wide one of its service), else 0.")
        family("bkup_resource_last_completed_archive_timestamp_seconds", "gauge", "When the resource's newest completed archive was created (Unix seconds).")
        family("bkup_resource_last_completed_archive_age_seconds", "gauge", "Age of the resource's newest completed archive by the service's clock.")
        family("bkup_resource_next_scheduled_backup_timestamp_seconds", "gauge", "The next run of the enabled policies covering the resource (Unix seconds).")
        family("bkup_resource_backup_interval_seconds", "gauge", "The shortest period between two runs of the enabled policies covering the resource.")
        family("bkup_resource_missed_runs", "gauge", "Scheduled runs within retention that no archive followed (the audit's and the calendar's rule).")
        family("bkup_resource_last_archive_failed", "gauge", "1 when the resource's newest archive failed, else 0.")
        family("bkup_resource_failed_archives_recent", "gauge", "Archives of the resource that failed in the last 7 days.")
        family("bkup_archives", "gauge", "Archives the service holds, by resource and status.")
        family("bkup_archive_size_bytes", "gauge", "Size of the resource's newest completed archive.")
        family("bkup_policy_info", "gauge", "A backup policy, its settings as labels (value 1).")
        family("bkup_monitor_poll_success", "gauge", "1 when the project's last poll succeeded, else 0.")
        family("bkup_monitor_poll_duration_seconds", "gauge", "How long the project's last poll took.")
        family("bkup_monitor_requests_total", "counter", "Requests the monitor made to the project's service.")
        family("bkup_monitor_polls_total", "counter", "Polls of the project, failed ones too.")
        family("bkup_monitor_archives_read_total", "counter", "Archives read from the project (only those changed since the poll before).")
        family("bkup_monitor_full_reads_total", "counter", "Polls that read every archive of the project (the first, and after deletions).")
        family("bkup_monitor_last_success_timestamp_seconds", "gauge", "When the project's last successful poll ended (this machine's clock).")
        family("bkup_monitor_service_time_seconds", "gauge", "The service's clock at the project's last successful poll.")

        for p in projects {
            let project = [("project", p.name)]
            f["bkup_monitor_poll_success"]!.add(project, p.failing ? 0 : 1)
            f["bkup_monitor_poll_duration_seconds"]!.add(project, p.lastPollSeconds)
            f["bkup_monitor_requests_total"]!.add(project, Double(p.requestsTotal))
            f["bkup_monitor_polls_total"]!.add(project, Double(p.polls))
            f["bkup_monitor_archives_read_total"]!.add(project, Double(p.archivesReadTotal))
            f["bkup_monitor_full_reads_total"]!.add(project, Double(p.fullReadsTotal))
            if let t = p.lastSuccess { f["bkup_monitor_last_success_timestamp_seconds"]!.add(project, t) }
            guard let data = p.data else { continue }
            f["bkup_monitor_service_time_seconds"]!.add(project, data.now)
            for r in data.resources {
                let l = project + [("kind", r.kind), ("resource", r.id)]
                f["bkup_resource_protected"]!.add(l, r.protected ? 1 : 0)
                if let t = r.lastCompleted { f["bkup_resource_last_completed_archive_timestamp_seconds"]!.add(l, t) }
                if let a = r.lastCompletedAge { f["bkup_resource_last_completed_archive_age_seconds"]!.add(l, a) }
                if let t = r.nextScheduled { f["bkup_resource_next_scheduled_backup_timestamp_seconds"]!.add(l, t) }
                if let i = r.interval { f["bkup_resource_backup_interval_seconds"]!.add(l, i) }
                f["bkup_resource_missed_runs"]!.add(l, Double(r.missed))
                f["bkup_resource_last_archive_failed"]!.add(l, r.lastFailed ? 1 : 0)
                f["bkup_resource_failed_archives_recent"]!.add(l, Double(r.failures))
                for status in statuses + r.archives.keys.filter({ !statuses.contains($0) }).sorted() {
                    f["bkup_archives"]!.add(l + [("status", status)], Double(r.archives[status] ?? 0))
                }
                if let size = r.lastSize { f["bkup_archive_size_bytes"]!.add(l, Double(size)) }
            }
            for policy in data.policies {
                f["bkup_policy_info"]!.add(project + [("policy", policy.id), ("name", policy.name), ("resource", policy.resource),
                                                      ("schedule", policy.schedule), ("retention", String(policy.retention)),
                                                      ("enabled", String(policy.enabled))], 1)
            }
        }
        // The checks script's gauges, a family a name, after bkup's own.
        for p in projects {
            for g in p.data?.gauges ?? [] {
                if f[g.name] == nil { family(g.name, "gauge", "Set by the monitor's checks script (monitor.gauge).") }
                f[g.name]!.add([("project", p.name)] + g.labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, g.value)
            }
        }
        var out = ""
        for name in order {
            let family = f[name]!
            out += "# HELP \(name) \(family.help)\n# TYPE \(name) \(family.type)\n"
            for sample in family.samples { out += sample + "\n" }
        }
        return out
    }

    /// A label value as the format requires: \ as \\, " as \", a line feed as \n.
    static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for c in value.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A sample value: integers without a fraction, NaN and infinities as the format spells them.
    static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}
