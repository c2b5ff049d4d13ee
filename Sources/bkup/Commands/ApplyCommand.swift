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
            Arguments.fleet.only("--fleet").helping(["--fleet": "the fleet file of the plan's projects (their endpoints and keys), for a plan made with --fleet"]),
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
            guard let bytes = FileManager.default.contents(atPath: path) else { throw Plan.FileError(description: "cannot read the file") }
            return try Plan.read(Array(bytes))
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
            return 1
        }
        print(PlanView.render(plan, format: "text"), terminator: "")
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
        Task {
            box.results = await applier.apply { finished, total, problems in
                bar.lock.withLock { bar.value.update(done: finished, total: total, failures: problems, finished: finished == total) }
            }
            done.signal()
        }
        done.wait()
        return report(box.results, plan: plan)
    }

    /// One client per target of the plan, from the configured connection (or the fleet file's):
    /// a plan for anything else is refused before anything is sent.
    static func connect(_ plan: Plan, _ args: Arguments) throws -> [Plan.Target: BackupsClient] {
        let base = try args.completedConfiguration()
        var configurations = [base]
        if let fleetFile = args.fleetFile {
            let fleet = try FleetFile.read(fleetFile)
            configurations = try fleet.members.map { try fleet.configuration(for: $0, base: base) }
        }
        var available: [Plan.Target: (HostConfiguration, ServiceEndpoint)] = [:]
        for configuration in configurations {
            let e = try configuration.resolveEndpoint()
            if let line = e.notice { StandardStreams.writeError(line + "\n") }
            available[Plan.Target(endpoint: e.planName ?? e.endpoint, project: e.project)] = (configuration, e)
        }
        var clients: [Plan.Target: BackupsClient] = [:]
        for target in plan.targets {
            guard let (configuration, e) = available[target] else {
                let configured = available.keys.sorted().map(\.description).joined(separator: ", ")
                throw UsageError(description: "the plan is for \(target), but the configured connection is \(configured): nothing was sent"
                                 + (args.fleetFile == nil && plan.targets.count > 1 ? " (a plan of several projects is applied with --fleet FILE)" : ""))
            }
            clients[target] = try configuration.makeClient(for: e)
        }
        return clients
    }

    static func report(_ results: [PlanApplier.Result], plan: Plan) -> Int32 {
        var applied = 0, already = 0, refused = 0, failed = 0
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
            }
        }
        for line in lines { print(Secrets.shared.redact(line)) }
        if already == results.count {
            let all = results.count == 1 ? "its one step was" : "all \(results.count) steps were"
            print("nothing to apply: \(all) already applied (this plan was applied before)")
            return 0
        }
        print("apply: \(applied) applied, \(refused) refused, \(failed) failed, \(already) already applied")
        return refused + failed > 0 ? 1 : 0
    }
}

private final class ResultsBox: @unchecked Sendable {
    var results: [PlanApplier.Result] = []
}

private final class UncheckedBar: @unchecked Sendable {
    let value: ProgressBar
    let lock = NSLock()
    init(_ value: ProgressBar) { self.value = value }
}
