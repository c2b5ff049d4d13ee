import BkupJSON
import BkupKit
import Foundation

/// A plan for people (the lines a dry run printed, and counts), as a table, or as its JSON.
enum PlanView {
    static func render(_ plan: Plan, format: String) -> String {
        switch format {
        case "json": return plan.fileText
        case "table": return table(plan)
        default: return text(plan)
        }
    }

    static func heading(_ plan: Plan) -> String {
        var made = "plan made"
        if let at = plan.madeAt.values.min(), !at.isEmpty { made += " at \(at)" }
        made += " by \(plan.madeBy)"
        if let script = plan.script {
            made += " from " + ([script] + plan.arguments).map { $0.contains(" ") || $0.isEmpty ? "\"\($0)\"" : $0 }.joined(separator: " ")
        }
        return made
    }

    static func text(_ plan: Plan) -> String {
        var lines = [heading(plan)]
        let tagged = plan.targets.count > 1
        for target in plan.targets {
            lines.append("  for \(target)")
        }
        for step in plan.steps {
            lines.append((tagged ? "[\(step.target.project)] " : "") + step.summary)
        }
        lines.append("plan: \(plan.counts.summary)")
        return lines.joined(separator: "\n") + "\n"
    }

    static func table(_ plan: Plan) -> String {
        var rows = [["step", "project", "operation", "record", "id", "precondition", "change"]]
        for (i, step) in plan.steps.enumerated() {
            let precondition: String
            switch step.precondition {
            case .updatedAt(let at): precondition = "updatedAt \(at)"
            case .absent: precondition = "absent"
            case .noneMadeSince(let at): precondition = "none made since \(at)"
            }
            let change: String
            if let colon = step.summary.range(of: ": "), step.operation == .update {
                change = String(step.summary[colon.upperBound...])
            } else {
                change = String(step.summary.dropFirst(2))
            }
            rows.append(["\(i + 1)", step.target.project, step.operation.rawValue, step.noun, step.id ?? "(new)", precondition, change])
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        var out = heading(plan) + "\n"
        for row in rows {
            out += row.enumerated().map { c, cell in c == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[c] - cell.count) }
                .joined(separator: "  ") + "\n"
        }
        return out + "plan: \(plan.counts.summary)\n"
    }
}

/// `--plan-out FILE`: the dry run's plan, written when the script finished well.
enum PlanOutput {
    static func write(_ plan: Plan?, to path: String, status: Int32) -> Int32 {
        guard let plan else { return status }
        guard status == 0 else {
            StandardStreams.writeError("bkup: no plan written to \(path): the script did not finish well (exit status \(status))\n")
            return status
        }
        let text = plan.fileText
        // The key never leaves: not even in a name a script gave a policy.
        guard Secrets.shared.redact(text) == text else {
            StandardStreams.writeError("bkup: no plan written to \(path): a step would carry the API key\n")
            return 1
        }
        let temporary = path + ".tmp-\(getpid())"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
            if rename(temporary, path) != 0 { throw CocoaError(.fileWriteUnknown) }
        } catch {
            unlink(temporary)
            StandardStreams.writeError("bkup: --plan-out: cannot write \(path): \(error)\n")
            return 1
        }
        StandardStreams.writeError("bkup: plan written to \(path): \(plan.counts.summary) (bkup apply \(path) applies it)\n")
        return 0
    }
}
