import BkupCommandLine
import BkupJSON
import BkupKit
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `bkup apply [options] PLAN` and `bkup plan show [--format F] PLAN`: a plan file made by
/// `bkup --dry-run --plan-out PLAN`, shown, confirmed, checked against the configured
/// connection, and applied step by step (see `PlanApplier`).
enum ApplyCommand {
    struct Options: CommandOptions {
        var yes = false
        var show = false
        var format = "text"
    }

    static let formatOption = Option<String>("--format", value: "F", help: "how the plan is shown: text (default), table or json") {
        $0 = try OptionValue.choice($1, "--format", ["text", "table", "json"])
    }

    static let command = Command<Arguments>(
        "apply", usage: ["[options] PLAN"], summary: "apply a plan made by --plan-out (bkup apply --help)",
        about: "Shows a plan made by bkup --dry-run --plan-out PLAN, asks on a terminal, and applies it: a step whose record "
            + "changed since the plan is refused and not sent; a plan for another endpoint or project is refused before anything "
            + "is sent. Applying a plan again sends nothing. Exit status 1 if a step was refused or failed.",
        options: [OptionSection("Applying", [
            Option("--yes", help: "apply without asking (a terminal is asked; anything else is not)") { o, _ in o.yes = true },
            Option("--show", help: "show the plan and end; nothing is sent") { o, _ in o.show = true },
            formatOption.helping("how --show prints the plan: text (default), table or json").lifted(\Options.format),
        ])],
        globals: [
            Arguments.service.helping(["--concurrency": "steps in flight at once (default 16)"]),
            Arguments.fleet.only("--fleet", "--key-dir", "--key-env", "--no-preflight").helping(["--fleet": "the fleet file of the plan's projects (their endpoints and keys), for a plan made with --fleet"]),
        ],
        operands: .some("PLAN", 1...1)
    ) { (invocation: Invocation<Arguments>, own: Options) in
        guard let plan = read(invocation) else { return 2 }
        if own.show {
            print(PlanView.render(plan, format: own.format), terminator: "")
            return 0
        }
        return apply(plan, path: invocation.operands[0], options: own, arguments: invocation.global)
    }

    /// The plan file the command names; nil (after saying why) when it cannot be read.
    static func read(_ invocation: Invocation<Arguments>) -> Plan? {
        let path = invocation.operands[0]
        do {
            let bytes: [UInt8]
            do { bytes = try BoundedFile.read(path, limit: Plan.sizeLimit) } catch {
                switch error {
                case .cannotRead: throw Plan.FileError(description: "cannot read the file")
                case .tooLarge(let limit): throw Plan.FileError(description: "the plan file is larger than \(BoundedFile.words(limit))")
                }
            }
            return try Plan.read(bytes)
        } catch {
            StandardStreams.writeError("\(invocation.commandName): \(path): \(error)\n")
            return nil
        }
    }

    static func apply(_ plan: Plan, path: String, options: Options, arguments: Arguments) -> Int32 {
        guard !plan.steps.isEmpty else {
            print(PlanView.render(plan, format: "text") + "nothing to apply: the plan has no steps")
            return 0
        }
        let clients: [Plan.Target: BackupsClient]
        do { clients = try connect(plan, arguments) } catch {
            StandardStreams.writeError("bkup apply: \(Secrets.shared.redact("\(error)"))\n")
            return error is FleetError ? 2 : 1
        }
        print(PlanView.render(plan, format: "text"), terminator: "")
        if !arguments.noPreflight, let refusal = preflight(plan, clients) {
            StandardStreams.writeError("bkup apply: \(Secrets.shared.redact(refusal))\n")
            return 1
        }
        if !options.yes && isatty(0) != 0 && isatty(2) != 0 {
            StandardStreams.writeError("Apply these \(plan.steps.count) steps to \(plan.targets.map(\.description).joined(separator: ", "))? [y/N] ")
            let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            guard answer == "y" || answer == "yes" else {
                StandardStreams.writeError("bkup apply: not applied; nothing was sent\n")
                return 1
            }
        }
        let applier = PlanApplier(plan: plan, clients: clients, concurrency: arguments.configuration.concurrency)
        let bar = UncheckedBar(ProgressBar(enabled: ProgressBar.stderrIsTerminal))
        let done = DispatchSemaphore(value: 0)
        let box = ResultsBox()
        // A signal: no step starts after it; the steps in flight finish; the report lists the
        // steps not started. A second one ends the process now.
        let signals = SignalWatch(first: { _ in }, again: { number in
            StandardStreams.writeError("bkup apply: \(SignalWatch.name(number)) again: ending now; the steps in flight may or may not have been applied\n")
            RedactedOutput.finish()
            _exit(SignalWatch.exitStatus(number))
        })
        defer { signals.stop() }
        Task {
            box.results = await applier.apply(shouldStart: { signals.received == nil }) { finished, total, problems in
                bar.lock.withLock { bar.value.update(done: finished, total: total, failures: problems, finished: finished == total) }
            }
            done.signal()
        }
        done.wait()
        let status = report(box.results, plan: plan, interrupted: signals.received)
        return signals.received.map(SignalWatch.exitStatus) ?? status
    }

    /// Every target answers and its key has the scopes its steps need; else why not (every target
    /// that cannot, named), before anything is sent.
    static func preflight(_ plan: Plan, _ clients: [Plan.Target: BackupsClient]) -> String? {
        let box = ProblemsBox()
        let done = DispatchSemaphore(value: 0)
        let targets = plan.targets
        Task {
            await withTaskGroup(of: (Plan.Target, String?).self) { group in
                for target in targets {
                    guard let client = clients[target] else { continue }
                    let scopes = Preflight.scopes(of: plan.steps.filter { $0.target == target })
                    group.addTask { (target, await Preflight.problem(client, scopes: scopes)) }
                }
                for await (target, problem) in group { if let problem { box.problems[target] = problem } }
            }
            done.signal()
        }
        done.wait()
        guard !box.problems.isEmpty else { return nil }
        let lines = box.problems.keys.sorted().map { "  \($0): \(box.problems[$0]!)" }
        return "preflight: \(box.problems.count) of \(targets.count) \(targets.count == 1 ? "target" : "targets") cannot take this plan's steps:\n"
            + lines.joined(separator: "\n") + "\nnothing was sent (--no-preflight skips this check)"
    }

    /// One client per target of the plan, from the configured connection (or the fleet file's,
    /// as the trust rule allows them): a plan for anything else is refused before anything is
    /// sent, naming every target that is not configured.
    static func connect(_ plan: Plan, _ args: Arguments) throws -> [Plan.Target: BackupsClient] {
        let base = try args.completedConfiguration()
        var configurations = [base]
        if let fleetFile = args.fleetFile {
            let fleet = try FleetFile.read(fleetFile, budget: FleetCommand.budget(for: fleetFile, base.limits))
            configurations = try fleet.configurations(base: base)
        }
        var available: [(target: Plan.Target, configuration: HostConfiguration, endpoint: ServiceEndpoint)] = []
        for configuration in configurations {
            let e = try configuration.resolveEndpoint()
            if let line = e.notice { StandardStreams.writeError(line + "\n") }
            available.append((Plan.Target(endpoint: e.planName ?? e.endpoint, project: e.project), configuration, e))
        }
        var clients: [Plan.Target: BackupsClient] = [:]
        var missing: [Plan.Target] = []
        for target in plan.targets {
            // The same endpoint by meaning, as the trust rule compares them.
            guard let (_, configuration, e) = available.first(where: {
                $0.target.project == target.project && TrustRule.sameEndpoint($0.target.endpoint, target.endpoint)
            }) else {
                missing.append(target)
                continue
            }
            clients[target] = try configuration.makeClient(for: e)
        }
        guard missing.isEmpty else {
            let configured = available.map(\.target).sorted().map(\.description).joined(separator: ", ")
            let many = available.count > 1 ? "connections are" : "connection is"
            throw UsageError(description: "the plan is for \(missing.map(\.description).joined(separator: ", ")), but the configured \(many) \(configured): nothing was sent"
                             + (args.fleetFile == nil && plan.targets.count > 1 ? " (a plan of several projects is applied with --fleet FILE)" : ""))
        }
        return clients
    }

    static func report(_ results: [PlanApplier.Result], plan: Plan, interrupted: Int32? = nil) -> Int32 {
        var applied = 0, already = 0, refused = 0, failed = 0, notStarted = 0
        var lines: [String] = []
        let tagged = plan.targets.count > 1
        for r in results {
            let what = "step \(r.number) " + (tagged ? "[\(r.step.target.project)] " : "") + r.step.summary
            switch r.outcome {
            case .applied: applied += 1
            case .alreadyApplied(let why):
                already += 1
                // Taking a record made since the plan for this step's is a judgement: say which.
                if case .noneMadeSince = r.step.precondition { lines.append("already: \(what): \(why)") }
            case .refused(let why):
                refused += 1
                lines.append("refused: \(what): \(why)")
            case .failed(let why):
                failed += 1
                lines.append("failed:  \(what): \(why)")
            case .notStarted:
                notStarted += 1
                lines.append("not started: \(what)")
            }
        }
        for line in lines { print(Secrets.shared.redact(line)) }
        if already == results.count {
            let all = results.count == 1 ? "its one step was" : "all \(results.count) steps were"
            print("nothing to apply: \(all) already applied (this plan was applied before)")
            return 0
        }
        let stopped = interrupted.map { ", \(notStarted) not started (\(SignalWatch.name($0)) stopped the apply)" } ?? ""
        print("apply: \(applied) applied, \(refused) refused, \(failed) failed, \(already) already applied" + stopped)
        return refused + failed + notStarted > 0 ? 1 : 0
    }
}

private final class ProblemsBox: @unchecked Sendable {
    var problems: [Plan.Target: String] = [:]
}

private final class ResultsBox: @unchecked Sendable {
    var results: [PlanApplier.Result] = []
}

private final class UncheckedBar: @unchecked Sendable {
    let value: ProgressBar
    let lock = NSLock()
    init(_ value: ProgressBar) { self.value = value }
}
