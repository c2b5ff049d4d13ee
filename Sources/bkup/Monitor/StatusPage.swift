import Foundation

/// The status page: one HTML document, rendered on the server, with its style inline (no outside
/// asset: it works offline and from a file). One section per project, the worst first; in each,
/// every resource with its protection, newest completed archive and its age, failures, next
/// run and the coverage calendar (backups.report.calendar's cells and characters).
enum StatusPage {
    static func render(_ projects: [ProjectHealth], refresh: Int?, generated: Date = Date()) -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            \(refresh.map { "<meta http-equiv=\"refresh\" content=\"\($0)\">" } ?? "")
            <title>bkup monitor: \(summary(projects))</title>
            <style>\(style)</style></head><body>
            <h1>bkup monitor</h1>
            <p class="meta">\(escape(summary(projects))) · rendered \(iso(generated.timeIntervalSince1970))\
            \(refresh.map { " · refreshes every \($0) s" } ?? "")</p>

            """
        for p in ProjectHealth.worstFirst(projects) { out += section(p) }
        out += "<p class=\"legend\">Calendar, one cell a UTC day, oldest first: "
            + legend.map { "<span class=\"c \($0.0)\">\(escape($0.1))</span> \(escape($0.2))" }.joined(separator: " ")
            + "</p>\n</body></html>\n"
        return out
    }

    static let legend = [("completed", "#", "completed"), ("running", "~", "in progress"), ("failed", "x", "failed"),
                         ("missed", "!", "missed (a schedule expected one)"), ("expired", "-", "past retention (not judged)"),
                         ("none", ".", "none")]
    static let cellClass: [Character: String] = ["#": "completed", "~": "running", "x": "failed", "!": "missed", "-": "expired", ".": "none"]

    static func summary(_ projects: [ProjectHealth]) -> String {
        let failing = projects.filter { $0.state != "ok" }.count
        return "\(projects.count) project\(projects.count == 1 ? "" : "s"), " + (failing == 0 ? "all healthy" : "\(failing) need\(failing == 1 ? "s" : "") attention")
    }

    static func section(_ p: ProjectHealth) -> String {
        let state = p.state
        var out = "<section class=\"project \(state)\" id=\"project-\(escape(p.name))\" data-project=\"\(escape(p.name))\" data-state=\"\(state)\">\n"
        out += "<h2><span class=\"badge \(state)\">\(state)</span> \(escape(p.name))"
            + (p.project.isEmpty || p.project == p.name ? "" : " <small>project \(escape(p.project))</small>") + "</h2>\n"
        if let error = p.error {
            out += "<p class=\"error\">The last poll failed: \(escape(error))"
                + (p.lastSuccess.map { " (last success \(iso($0)); what follows is from then)" } ?? " (no poll has succeeded)") + "</p>\n"
        }
        guard let data = p.data else { return out + "</section>\n" }
        out += "<p class=\"meta\">service clock \(iso(data.now)) · \(data.resources.count) resources · \(data.policies.count) policies · "
            + "\(data.archiveCount) archives · last poll \(String(format: "%.2f", p.lastPollSeconds)) s, \(data.requests) requests</p>\n"
        if !data.findings.isEmpty {
            out += "<ul class=\"findings\">" + data.findings.map {
                "<li><b>\(escape($0.check))</b> \(escape($0.subject)): \(escape($0.detail))</li>"
            }.joined() + "</ul>\n"
        }
        if let gauges = data.gauges, !gauges.isEmpty {
            out += "<ul class=\"gauges\">" + gauges.map { g in
                "<li><code>\(escape(g.name)){\(escape(g.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")))}</code> "
                    + "\(escape(MetricsText.number(g.value)))</li>"
            }.joined() + "</ul>\n"
        }
        out += "<table><thead><tr><th>resource</th><th>kind</th><th>state</th><th>protected by</th><th>newest completed</th>"
            + "<th>age</th><th>size</th><th>failed (7 d)</th><th>next run</th><th title=\"from \(escape(data.calendarFirst))\">last \(data.days) days</th></tr></thead><tbody>\n"
        for r in data.resources {
            out += "<tr class=\"resource \(r.state)\" data-resource=\"\(escape(r.id))\" data-kind=\"\(escape(r.kind))\" data-state=\"\(r.state)\">"
            out += "<td class=\"wrap\">\(escape(r.name))" + (r.name == r.id ? "" : " <small>\(escape(r.id))</small>") + "</td>"
            out += "<td>\(escape(r.kind))</td><td><span class=\"badge \(r.state)\">\(r.state)</span></td>"
            out += "<td class=\"wrap\">" + (r.protected ? escape(r.policies.joined(separator: ", ")) : "<b>none</b>" + (r.policies.isEmpty ? "" : " (disabled: \(escape(r.policies.joined(separator: ", "))))")) + "</td>"
            out += "<td>\(r.lastCompleted.map(iso) ?? "never")</td><td>\(r.lastCompletedAge.map(age) ?? "-")</td>"
            out += "<td>\(r.lastSize.map(size) ?? "-")</td><td>\(r.failures)</td><td>\(r.nextScheduled.map(iso) ?? "-")</td>"
            out += "<td class=\"calendar\">" + r.calendar.map { "<span class=\"c \(cellClass[$0] ?? "none")\">\(escape(String($0)))</span>" }.joined() + "</td>"
            out += "</tr>\n"
        }
        return out + "</tbody></table>\n</section>\n"
    }

    static let style = """
        body{font:13px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}h1{margin:0 0 .2em}
        .meta{color:#666;margin:.2em 0}section.project{border:1px solid #ccc;border-left:6px solid #3a3;border-radius:4px;padding:.5em 1em;margin:1em 0}
        section.failing,section.missed,section.failed{border-left-color:#c33}section.unprotected{border-left-color:#d90}
        table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #eee;white-space:nowrap}td.wrap{white-space:normal}
        th{font-weight:600;background:#f6f6f6}.badge{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;font-size:12px;background:#3a3}
        .badge.failing,.badge.missed,.badge.failed{background:#c33}.badge.unprotected{background:#d90}.error{color:#c33;font-weight:600}
        .calendar{font:10px/1 monospace}.c{display:inline-block;width:7px;margin-right:1px;text-align:center;color:#fff}
        .c.completed{background:#3a3}.c.running{background:#39c}.c.failed{background:#c33}.c.missed{background:#d90}
        .c.expired{background:#bbb}.c.none{background:#eee;color:#999}.legend{color:#555}.findings{color:#933}
        """

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func iso(_ t: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date(timeIntervalSince1970: t)).prefix(16).replacingOccurrences(of: "T", with: " ") + " UTC"
    }

    static func age(_ s: Double) -> String {
        if s < 120 { return "\(Int(s)) s" }
        if s < 7200 { return "\(Int(s / 60)) min" }
        if s < 172_800 { return String(format: "%.1f h", s / 3600) }
        return String(format: "%.1f d", s / 86400)
    }

    static func size(_ n: Int64) -> String {
        var v = Double(n), i = 0
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        return i == 0 ? "\(n) B" : String(format: "%.1f", v) + " " + units[i]
    }
}
