import BkupJSON
import BkupKit
import Foundation

/// What a fleet run knows at any moment: each project's outcome, which run now, and whether the
/// run is stopping (a signal; a preflight that failed). Safe from any thread, so that a signal, a
/// guard that ends the process or the end of the run can each print the summary of the moment.
final class FleetRun: @unchecked Sendable {
    struct Outcome {
        let name: String
        var status = "ok"
        var exitCode: Int32?
        var seconds = 0.0
        var lastLine = ""
        /// A dry run's plan for this project.
        var plan: Plan?
        var failed: Bool { status != "ok" }
    }

    enum Stop {
        case signal(Int32)
        /// The preflight before the first write: the scope it needed, and each project's problem.
        case preflight(scope: String, problems: [String: String])
    }

    let fleet: FleetFile
    /// Each member's connection, in the fleet's order (set before the run starts).
    var configurations: [HostConfiguration] = []
    let limit: Int
    let width: Int
    private let lock = NSLock()
    private var outcomes: [String: Outcome] = [:]
    private var running: [String: Double] = [:]
    private var stopReason: Stop?
    private var onStop: [@Sendable () -> Void] = []

    init(fleet: FleetFile, limit: Int) {
        self.fleet = fleet
        self.limit = limit
        width = fleet.members.map(\.name.count).max() ?? 0
    }

    /// "[eu-prod]  " for one project, padded to the longest name.
    func tag(_ name: String) -> String { "[" + name + "]" + String(repeating: " ", count: width - name.count) + " " }

    // MARK: the run

    /// A project is about to start; false when the run is stopping (it is not started).
    func begin(_ name: String) -> Bool {
        lock.withLock {
            guard stopReason == nil else { return false }
            running[name] = RunGuard.now()
            return true
        }
    }

    func finish(_ outcome: Outcome) {
        lock.withLock {
            var outcome = outcome
            if outcome.failed { cutShortByPreflight(&outcome) }
            outcomes[outcome.name] = outcome
            running[outcome.name] = nil
        }
    }

    var stop: Stop? { lock.withLock { stopReason } }

    /// Stops the run (the first reason holds): no project starts after this; `whenStopping`
    /// handlers run (they interrupt what runs).
    func stop(_ reason: Stop) {
        let handlers: [@Sendable () -> Void] = lock.withLock {
            guard stopReason == nil else { return [] }
            stopReason = reason
            return onStop
        }
        for handler in handlers { handler() }
    }

    /// Runs `handler` when the run stops (now, if it has stopped already).
    func whenStopping(_ handler: @escaping @Sendable () -> Void) {
        let now: Bool = lock.withLock {
            if stopReason != nil { return true }
            onStop.append(handler)
            return false
        }
        if now { handler() }
    }

    // MARK: the summary

    /// Every project, in the fleet's order: finished ones as they ended, the rest as the moment
    /// says (interrupted or stopped while running, or not started).
    func results() -> [Outcome] {
        lock.withLock {
            let now = RunGuard.now()
            return fleet.members.map { member in
                if let done = outcomes[member.name] { return done }
                var o = Outcome(name: member.name)
                if let started = running[member.name] {
                    o.seconds = now - started
                    o.status = stopReason == nil ? "running" : "interrupted"
                    cutShortByPreflight(&o)
                } else {
                    o.status = "not started"
                    if case .preflight(_, let problems)? = stopReason, problems[member.name] != nil { cutShortByPreflight(&o) }
                }
                return o
            }
        }
    }

    /// A project the failed preflight cut short: `preflight` with its problem when it has one,
    /// else `stopped`. (Called under the lock.)
    private func cutShortByPreflight(_ outcome: inout Outcome) {
        guard case .preflight(_, let problems)? = stopReason else { return }
        outcome.status = problems[outcome.name] == nil ? "stopped" : "preflight"
        outcome.lastLine = problems[outcome.name] ?? "stopped before its first write: the preflight failed"
    }

    var exitStatus: Int32 {
        if case .signal(let number)? = stop { return SignalWatch.exitStatus(number) }
        return results().contains(where: \.failed) ? 1 : 0
    }

    func summary() -> String {
        let results = results()
        func count(_ status: String) -> Int { results.filter { $0.status == status }.count }
        let ok = count("ok"), interrupted = count("interrupted"), notStarted = count("not started")
        let stopped = count("stopped") + count("preflight")
        let failed = results.count - ok - interrupted - notStarted - stopped
        var head = "fleet: \(results.count) projects, \(ok) ok, \(failed) failed"
        if interrupted > 0 { head += ", \(interrupted) interrupted" }
        if stopped > 0 { head += ", \(stopped) stopped" }
        if notStarted > 0 { head += ", \(notStarted) not started" }
        head += " (\(limit) at once)"
        switch stop {
        case .signal(let number)?: head += "; \(SignalWatch.name(number)) stopped the run"
        case .preflight(let scope, _)?: head += "; stopped before the first write (\(scope)): the preflight failed"
        case nil: break
        }
        var lines = [head]
        let w = max(width, 7)
        let statusWidth = max(8, results.map(\.status.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        lines.append("  " + pad("project", w) + "  " + pad("status", statusWidth) + "  seconds  last line")
        for r in results {
            let line = Self.cell(r.lastLine)
            let row = "  " + pad(r.name, w) + "  " + pad(r.status, statusWidth) + "  " + String(format: "%7.2f", r.seconds) + "  " + line
            lines.append(String(row.reversed().drop { $0 == " " }.reversed()))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A last line as one cell of the table: tabs and other control characters as spaces (a tab
    /// would move the text to the terminal's next tab stop), at most 100 characters.
    static func cell(_ text: String) -> String {
        let flat = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
        return flat.count > 100 ? String(flat.prefix(99)) + "…" : flat
    }

    /// The summary as JSON, for `--summary-json`.
    func json(script: String?) -> JSONValue {
        let results = results()
        var counts: [String: Int64] = [:]
        for r in results { counts[r.status == "not started" ? "notStarted" : r.status.hasPrefix("exit ") ? "failed" : r.status, default: 0] += 1 }
        var o: [String: JSONValue] = [
            "fleet": .string(fleet.path),
            "exitStatus": .integer(Int64(exitStatus)),
            "counts": .object(counts.mapValues { .integer($0) }.merging(["projects": .integer(Int64(results.count))]) { a, _ in a }),
            "projects": .array(zip(results, configurations).map { r, c in
                var p: [String: JSONValue] = [
                    "name": .string(r.name), "project": .string(c.project ?? ""), "endpoint": c.endpoint.map(JSONValue.string) ?? .null,
                    "status": .string(r.status), "seconds": .number((r.seconds * 1000).rounded() / 1000), "lastLine": .string(r.lastLine),
                ]
                if let code = r.exitCode { p["exitCode"] = .integer(Int64(code)) }
                return .object(p)
            }),
        ]
        if let script { o["script"] = .string(script) }
        switch stop {
        case .signal(let number)?: o["signal"] = .string(SignalWatch.name(number))
        case .preflight(let scope, let problems)?:
            o["preflight"] = .object(["scope": .string(scope), "problems": .object(problems.mapValues(JSONValue.string))])
        case nil: break
        }
        return .object(o)
    }

    /// Writes the JSON summary whole (a temporary file renamed), keys redacted.
    @discardableResult
    func writeJSON(to path: String?, script: String?) -> Bool { Self.write(json(script: script), to: path) }

    /// False (after saying so) when the file could not be written.
    @discardableResult
    static func write(_ value: JSONValue, to path: String?) -> Bool {
        guard let path else { return true }
        let text = Secrets.shared.redact(((try? JSONCodec.encode(value, options: .init(pretty: true, sortKeys: true))) ?? "{}") + "\n")
        let temporary = path + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            StandardStreams.writeError("bkup: --summary-json: cannot write \(path)\n")
            return false
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            StandardStreams.writeError("bkup: --summary-json: cannot write \(path)\n")
            return false
        }
        return true
    }
}
