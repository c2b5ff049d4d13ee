import BkupJSON
import BkupKit
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `bkup --fleet FILE script.lua args`: the script once per project of the fleet, a few
/// projects at once, each in a host of its own (its project is its `backups`). Every line is
/// prefixed with the project's name and written as it is printed; a summary table ends the run;
/// exit status 1 if any failed.
///
/// Before the first request, every project's settings pass the trust rule (exit 2 naming each
/// refused one). Before the first write, every project is asked whether its key can make it
/// (`--no-preflight`: not). SIGINT or SIGTERM stops starting projects, interrupts the running
/// ones, and ends with the summary and 130 or 143.
enum FleetCommand {
    static func run(_ args: Arguments, configuration: HostConfiguration, embedded: RunCommand.Script?) -> Int32 {
        guard embedded != nil || (args.scriptName != nil && args.scriptName != "-") else {
            StandardStreams.writeError("bkup: --fleet runs a script: give its file (or bkup run NAME)\n")
            return 2
        }
        let fleet: FleetFile
        var configurations: [HostConfiguration]
        do {
            fleet = try FleetFile.read(args.fleetFile!, budget: budget(for: args.fleetFile!, configuration.limits))
            configurations = try fleet.configurations(base: configuration)
        } catch {
            let message = Secrets.shared.redact("\(error)")
            StandardStreams.writeError("bkup: --fleet: \(message)\n")
            // CI reads why nothing ran from the same file it reads a run from.
            FleetRun.write(["fleet": .string(args.fleetFile!), "exitStatus": 2, "error": .string(message)], to: args.summaryJSON)
            return 2
        }
        let run = FleetRun(fleet: fleet, limit: args.fleetConcurrency)
        for (i, member) in fleet.members.enumerated() { configurations[i].logPrefix = run.tag(member.name) }
        if !configuration.dryRun && !args.noPreflight {
            let gate = WriteGate { [run] scope in await preflight(run, scope: scope) }
            for i in configurations.indices { configurations[i].writeGate = gate }
            run.whenStopping { gate.cancel() }
        }
        run.configurations = configurations
        let script = embedded.map { "bkup run \($0.name)" } ?? args.scriptName
        let summaryJSON = args.summaryJSON
        let signals = SignalWatch(first: { run.stop(.signal($0)) }, again: { number in
            StandardStreams.writeError("bkup: \(SignalWatch.name(number)) again: ending now\n")
            end(run, summaryJSON: summaryJSON, script: script, status: SignalWatch.exitStatus(number))
        })
        defer { signals.stop() }

        let arguments = UncheckedArguments(args)
        let done = DispatchSemaphore(value: 0)
        let task = Task {
            await withTaskGroup(of: FleetRun.Outcome.self) { group in
                var next = 0
                func start() {
                    guard next < fleet.members.count, run.begin(fleet.members[next].name) else { return }
                    let index = next
                    next += 1
                    group.addTask { await runOne(index, run, args: arguments.value, embedded: embedded, summaryJSON: summaryJSON, script: script) }
                }
                for _ in 0..<run.limit { start() }
                for await outcome in group {
                    run.finish(outcome)
                    start()
                }
            }
            done.signal()
        }
        run.whenStopping { task.cancel() }
        done.wait()
        StandardStreams.write(run.summary())
        StandardStreams.flush()
        let written = run.writeJSON(to: summaryJSON, script: script)
        // CI reads the summary: a run whose summary is missing did not end well.
        let status = written || run.exitStatus != 0 ? run.exitStatus : 1
        guard let planOut = args.planOut else { return status }
        // One plan file for the whole fleet: each step is tagged with its project.
        let plan = Plan.merging(run.results().compactMap(\.plan), script: script, arguments: args.scriptArgs)
        return PlanOutput.write(plan, to: planOut, status: status)
    }

    /// A Lua fleet file runs as configuration, under the command's --timeout (10 s without); one
    /// that overstays it where no hook reaches ends the command with exit status 2.
    static func budget(for path: String, _ limits: RunLimits) -> LuaConfiguration.Budget {
        let timeout = limits.timeout > 0 ? limits.timeout : 10
        return LuaConfiguration.Budget(timeout: timeout) {
            StandardStreams.writeError("bkup: --fleet: \(path): the fleet file ran past its time budget of \(timeout) s and did not stop "
                                       + "(a C function Lua's hook cannot reach), so bkup ended it\n")
            RedactedOutput.finish()
            _exit(2)
        }
    }

    static func runOne(_ index: Int, _ run: FleetRun, args: Arguments, embedded: RunCommand.Script?, summaryJSON: String?,
                       script: String?) async -> FleetRun.Outcome {
        let member = run.fleet.members[index]
        let configuration = run.configurations[index]
        var outcome = FleetRun.Outcome(name: member.name)
        let tag = run.tag(member.name)
        let last = LastLine()
        let started = RunGuard.now()
        do {
            let host = try BkupHost(configuration: configuration)
            // Limits hold under a fleet as alone: a project whose stop cannot take effect ends
            // the run, with the summary of the moment.
            let guardian = RunGuard(host: host, limits: configuration.limits, lastWords: { ["(in project \(member.name))"] }) { reason in
                var ended = FleetRun.Outcome(name: member.name)
                ended.status = run.stop == nil ? "failed" : "interrupted"
                ended.seconds = RunGuard.now() - started
                ended.lastLine = reason
                run.finish(ended)
                end(run, summaryJSON: summaryJSON, script: script, status: nil)
                return run.stop == nil ? 1 : run.exitStatus
            }
            guardian.start()
            defer {
                outcome.plan = host.plan()
                guardian.stateClosing()
                host.close()
                guardian.finish()
            }
            host.output = { text in
                // One print may hold many lines: each gets the project's name, and leaves now
                // (through a pipe too), not when the run ends.
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                if let final = lines.last(where: { !$0.isEmpty }) { last.set(String(final)) }
                StandardStreams.write(lines.map { tag + $0 }.joined(separator: "\n") + "\n")
                StandardStreams.flush()
            }
            host.notice = { line in StandardStreams.writeError(tag + line + "\n") }
            host.lua.setArgTable(argv: args.argv, scriptIndex: args.scriptIndex)
            if let embedded {
                try await host.run(string: String(decoding: embedded.chunk, as: UTF8.self), chunkName: "@\(embedded.name).lua", args: args.scriptArgs)
            } else {
                try await host.run(file: args.scriptName!, args: args.scriptArgs)
            }
        } catch let exit as LuaExit {
            if exit.code != 0 {
                outcome.status = "exit \(exit.code)"
                outcome.exitCode = exit.code
            }
        } catch is CancellationError {
            outcome.status = "interrupted"
            StandardStreams.writeError(tag + "interrupted\n")
        } catch let error as LuaError {
            outcome.status = error.kind == .interrupted && run.stop != nil ? "interrupted" : "failed"
            last.set(String(error.message.split(separator: "\n").first ?? ""))
            StandardStreams.writeError(tag + "error: " + error.message + "\n")
        } catch {
            outcome.status = "failed"
            last.set("\(error)")
            StandardStreams.writeError(tag + "error: \(error)\n")
        }
        outcome.lastLine = last.get()
        outcome.seconds = RunGuard.now() - started
        return outcome
    }

    /// The check before the fleet's first write: every project answers and its key has `scope`.
    /// A refusal stops the fleet, with every project that cannot named.
    static func preflight(_ run: FleetRun, scope: String) async -> String? {
        let pairs = Array(zip(run.fleet.members.map(\.name), run.configurations))
        let problems = await withTaskGroup(of: (String, String?).self) { group -> [String: String] in
            var next = 0
            func start() {
                guard next < pairs.count else { return }
                let (name, configuration) = pairs[next]
                next += 1
                group.addTask { (name, await configuration.preflight(scopes: [scope])) }
            }
            for _ in 0..<16 { start() }
            var found: [String: String] = [:]
            for await (name, problem) in group {
                if let problem { found[name] = problem }
                start()
            }
            return found
        }
        if Task.isCancelled || run.stop != nil { return "the run was interrupted before its first write" }
        guard !problems.isEmpty else { return nil }
        let lines = run.fleet.members.compactMap { m in problems[m.name].map { "  \(m.name): \($0)" } }
        StandardStreams.writeError("bkup: preflight before the fleet's first write (\(scope)): \(problems.count) of \(pairs.count) "
                                   + "projects cannot make it:\n" + lines.joined(separator: "\n")
                                   + "\nbkup: nothing was written; the fleet stops (--no-preflight skips this check)\n")
        run.stop(.preflight(scope: scope, problems: problems))
        return "the fleet's preflight failed (\(problems.count) projects cannot make \(scope)): nothing was written"
    }

    /// Ends the process now (a second signal; a guard whose stop was not taken), with the
    /// summary of the moment; `status` nil: the caller exits.
    static func end(_ run: FleetRun, summaryJSON: String?, script: String?, status: Int32?) {
        StandardStreams.write(run.summary())
        StandardStreams.flush()
        run.writeJSON(to: summaryJSON, script: script)
        guard let status else { return }
        RedactedOutput.finish()
        _exit(status)
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
