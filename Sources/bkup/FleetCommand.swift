import BkupJSON
import BkupKit
import Foundation
import Synchronization

/// `bkup --fleet FILE script.lua args`: the script once per project of the fleet, a few
/// projects at once, each in a host of its own (its project is its `backups`). Every line is
/// prefixed with the project's name; a summary table ends the run; exit status 1 if any failed.
enum FleetCommand {
    struct Outcome {
        let name: String
        var status = "ok"
        var seconds = 0.0
        var lastLine = ""
        /// A dry run's plan for this project.
        var plan: Plan?
        var failed: Bool { status != "ok" }
    }

    static func run(_ args: Arguments, configuration: HostConfiguration, embedded: RunCommand.Script?) -> Int32 {
        let fleet: FleetFile
        do { fleet = try FleetFile.read(args.fleetFile!) } catch {
            StandardStreams.writeError("bkup: --fleet: \(error)\n")
            return 2
        }
        guard embedded != nil || (args.scriptName != nil && args.scriptName != "-") else {
            StandardStreams.writeError("bkup: --fleet runs a script: give its file (or bkup run NAME)\n")
            return 2
        }
        let width = fleet.members.map(\.name.count).max() ?? 0
        let outcomes = Mutex<[String: Outcome]>([:])
        let done = DispatchSemaphore(value: 0)
        let limit = args.fleetConcurrency
        let members = fleet.members
        let arguments = UncheckedArguments(args)
        Task {
            await withTaskGroup(of: Outcome.self) { group in
                var next = 0
                func start() {
                    let member = members[next]
                    next += 1
                    group.addTask { await runOne(member, fleet: fleet, base: configuration, args: arguments.value, embedded: embedded, width: width) }
                }
                while next < min(limit, members.count) { start() }
                for await outcome in group {
                    outcomes.withLock { $0[outcome.name] = outcome }
                    if next < members.count { start() }
                }
            }
            done.signal()
        }
        done.wait()
        let results = outcomes.withLock { table in members.compactMap { table[$0.name] } }
        printSummary(results, width: width, limit: limit)
        let status: Int32 = results.contains(where: \.failed) ? 1 : 0
        guard let planOut = args.planOut else { return status }
        // One plan file for the whole fleet: each step is tagged with its project.
        let plan = Plan.merging(results.compactMap(\.plan), script: embedded.map { "bkup run \($0.name)" } ?? args.scriptName,
                                arguments: args.scriptArgs)
        return PlanOutput.write(plan, to: planOut, status: status)
    }

    static func runOne(_ member: FleetMember, fleet: FleetFile, base: HostConfiguration, args: Arguments,
                       embedded: RunCommand.Script?, width: Int) async -> Outcome {
        var outcome = Outcome(name: member.name)
        let tag = "[" + member.name + "]" + String(repeating: " ", count: width - member.name.count) + " "
        let last = LastLine()
        let started = Date()
        defer { outcome.seconds = Date().timeIntervalSince(started) }
        do {
            let configuration = try fleet.configuration(for: member, base: base)
            let host = try BkupHost(configuration: configuration)
            // Limits hold under a fleet as alone: a project whose stop cannot take effect ends the run.
            let guardian = RunGuard(host: host, limits: configuration.limits, lastWords: { ["(in project \(member.name))"] })
            guardian.start()
            defer {
                outcome.plan = host.plan()
                guardian.stateClosing()
                host.close()
                guardian.finish()
            }
            host.output = { text in
                // One print may hold many lines: each gets the project's name.
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                if let final = lines.last(where: { !$0.isEmpty }) { last.set(String(final)) }
                StandardStreams.write(lines.map { tag + $0 }.joined(separator: "\n") + "\n")
            }
            host.notice = { line in StandardStreams.writeError(tag + line + "\n") }
            host.lua.setArgTable(argv: args.argv, scriptIndex: args.scriptIndex)
            if let embedded {
                try await host.run(string: String(decoding: embedded.chunk, as: UTF8.self), chunkName: "@\(embedded.name).lua", args: args.scriptArgs)
            } else {
                try await host.run(file: args.scriptName!, args: args.scriptArgs)
            }
        } catch let exit as LuaExit {
            if exit.code != 0 { outcome.status = "exit \(exit.code)" }
        } catch let error as LuaError {
            outcome.status = "failed"
            last.set(String(error.message.split(separator: "\n").first ?? ""))
            StandardStreams.writeError(tag + "error: " + error.message + "\n")
        } catch {
            outcome.status = "failed"
            last.set("\(error)")
            StandardStreams.writeError(tag + "error: \(error)\n")
        }
        outcome.lastLine = last.get()
        outcome.seconds = Date().timeIntervalSince(started)
        return outcome
    }

    static func printSummary(_ results: [Outcome], width: Int, limit: Int) {
        let failed = results.filter(\.failed).count
        var lines = ["fleet: \(results.count) projects, \(results.count - failed) ok, \(failed) failed (\(limit) at once)"]
        let w = max(width, 7)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        lines.append("  " + pad("project", w) + "  " + pad("status", 8) + "  seconds  last line")
        for r in results {
            let line = r.lastLine.count > 100 ? String(r.lastLine.prefix(99)) + "…" : r.lastLine
            lines.append("  " + pad(r.name, w) + "  " + pad(r.status, 8) + "  " + String(format: "%7.2f", r.seconds) + "  " + line)
        }
        StandardStreams.write(lines.joined(separator: "\n") + "\n")
        StandardStreams.flush()
    }
}

/// The last line a project's script printed (print runs on the host's thread).
private final class LastLine: @unchecked Sendable {
    private let lock = NSLock()
    private var line = ""
    func set(_ value: String) { lock.lock(); line = value; lock.unlock() }
    func get() -> String { lock.lock(); defer { lock.unlock() }; return line }
}

private struct UncheckedArguments: @unchecked Sendable {
    let value: Arguments
    init(_ value: Arguments) { self.value = value }
}
