import BkupJSON
import Foundation
import XCTest

/// Every command of the built bkup with every global option, before and after the command's
/// name: honoured where the design says the command reads it (the same either side, with the
/// option's visible effect where it has one), refused with exit 2 and a message naming the
/// option and the command everywhere else. The commands and options are taken from bkup's own
/// help, so a new one fails here until the design below says who reads it.
final class CommandTreeWalkTests: XCTestCase {
    /// Who reads each global section (the design); the script form is "bkup".
    static let readers: [String: Set<String>] = [
        "Lua's options": ["bkup", "run"],
        "The service": ["bkup", "run", "doctor", "apply", "monitor"],
        "Dry runs and plans": ["bkup", "run"],
        "Fleets": ["bkup", "run", "doctor", "apply", "monitor"],
        "Limits": ["bkup", "run", "doctor", "monitor"],
        "Output": ["bkup", "run"],
    ]
    /// Options a command takes from a section it otherwise does not read, or leaves out of one it does.
    static let exceptions: [String: Set<String>] = ["--fleet-concurrency": ["bkup", "run", "doctor", "monitor"],
                                                     "--summary-json": ["bkup", "run", "doctor"],
                                                     "--no-preflight": ["bkup", "run", "doctor", "apply"]]
    static let commands = ["bkup", "run", "doctor", "apply", "plan show", "serve", "monitor", "help"]

    var dir: String!
    var server: ServeProcess!
    let key = "walk-key-0123456789"

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "bkup-walk-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        server = try ServeProcess(["--in-memory", "--key", key, "--key", "walk-readonly-0123456789:policies.read",
                                   "--project", "bkup-local", "--project", "other"])
    }

    override func tearDownWithError() throws {
        server = nil
        try? FileManager.default.removeItem(atPath: dir)
    }

    var env: [String: String] {
        ["APPWRITE_ENDPOINT": server.url, "APPWRITE_PROJECT_ID": "bkup-local", "APPWRITE_API_KEY": key,
         "XDG_DATA_HOME": dir + "/data", "LUA_INIT": "@" + dir + "/probe.lua"]
    }

    /// Each option's sample arguments (fresh files where a run writes one) and what a run that
    /// honours it shows, by command; nil: nothing outside shows it, the run must only succeed.
    func sample(_ option: String) -> (arguments: [String], effect: (String, Run, [String]) -> Bool)? {
        let localhost = server.url.replacingOccurrences(of: "127.0.0.1", with: "localhost")
        let fresh = dir + "/out-\(UUID().uuidString)"
        let none: (String, Run, [String]) -> Bool = { _, _, _ in true }
        let probe = { (text: String) in { (command: String, run: Run, _: [String]) -> Bool in
            ["bkup", "run"].contains(command) ? run.stdout.contains(text) : true } }
        let written = { (_: String, _: Run, args: [String]) -> Bool in FileManager.default.fileExists(atPath: args[1]) }
        switch option {
        case "-e": return (["-e", "print('walk-e')"], { _, run, _ in run.stdout.contains("walk-e") })
        case "-l": return (["-l", "walkdates=bkup.dates"], { command, run, _ in command != "bkup" || run.stdout.contains("lib=table") })
        case "-i", "-v": return ([option], { _, run, _ in run.stdout.contains("Lua 5.4") })
        case "-E": return (["-E"], { _, run, _ in run.stderr.contains("embedded emulator") })
        case "-W": return (["-W"], none)
        case "--endpoint": return (["--endpoint", localhost], { _, run, _ in (run.stdout + run.stderr).contains("localhost") })
        case "--project": return (["--project", "other"], { _, run, _ in (run.stdout + run.stderr).contains("other") })
        case "--key-file":
            let file = dir + "/readonly-key"
            try? "walk-readonly-0123456789\n".write(toFile: file, atomically: true, encoding: .utf8)
            return (["--key-file", file], { command, run, _ in
                command == "doctor" || command == "monitor" ? run.stdout.contains("✘ scopes") : command == "apply" || run.stdout.contains("archives=general_unauthorized_scope") })
        case "--self-signed": return ([option], none)
        case "--ca-file": return (["--ca-file", "/etc/ssl/certs/ca-certificates.crt"], none)
        case "--concurrency", "--endpoint-concurrency": return ([option, "3"], none)
        case "--request-timeout": return ([option, "5"], none)
        case "--verbose": return ([option], { _, run, _ in run.stderr.contains(" attempt=1 ") })
        case "--dry-run": return ([option], probe("dry=true"))
        case "--plan-out", "--result-file": return ([option, fresh], written)
        case "--fleet":
            return (["--fleet", dir + "/fleet.json"], { command, run, _ in command == "apply" || run.stdout.contains("fleet: 2 projects") })
        case "--fleet-concurrency":
            return (["--fleet-concurrency", "1", "--fleet", dir + "/fleet.json"], { _, run, _ in run.stdout.contains("(1 at once)") })
        case "--summary-json":
            return (["--summary-json", fresh, "--fleet", dir + "/fleet.json"], written)
        case "--key-dir": return ([option, dir], none)
        case "--key-env": return ([option, "BKUP_WALK_KEY"], none)
        case "--no-preflight": return ([option], none)
        case "--timeout": return ([option, "60"], none)
        case "--max-instructions": return ([option, "1e9"], none)
        case "--max-memory": return ([option, "256M"], none)
        case "--max-tasks": return ([option, "100"], none)
        case "--sandbox": return ([option], probe("io=false"))
        default: return nil
        }
    }

    /// The command line for `command` with `option` before or after its name.
    func line(_ command: String, _ option: [String], before: Bool) -> [String] {
        let name = command.split(separator: " ").map(String.init)
        let rest: [String] = switch command {
        case "bkup": [dir + "/probe.lua"]
        case "run": ["audit"]
        case "apply": ["--yes", dir + "/plan.json"]
        case "plan show": [dir + "/plan.json"]
        // Read, then its help: it would serve until stopped.
        case "serve": ["--port", "0", "--in-memory", "--help"]
        case "help": ["run"]
        // One poll, its metrics on stdout (doctor's first line and the fleet's size on stderr).
        case "monitor": ["--once"]
        default: []
        }
        if command == "bkup" { return before ? option + rest : rest + option }
        return before ? option + name + rest : name + option + rest
    }

    func testEveryCommandWithEveryGlobalOptionInBothPlaces() throws {
        try """
            local c = backups.config
            local ok, err = pcall(backups.archives.list)
            print(string.format("probe endpoint=%s project=%s dry=%s io=%s lib=%s archives=%s", c.endpoint, c.project,
              tostring(c.dryRun), tostring(io ~= nil), type(rawget(_G, "walkdates")), ok and "ok" or err.type))
            print("args=" .. table.concat({...}, " "))
            """.write(toFile: dir + "/probe.lua", atomically: true, encoding: .utf8)
        try #"{"projects": [{"name": "one", "project": "bkup-local"}, {"name": "two", "project": "other"}]}"#
            .write(toFile: dir + "/fleet.json", atomically: true, encoding: .utf8)
        let made = try runTool(["--plan-out", dir + "/plan.json", "-e",
                                "backups.policies.create{id = 'walk-1', services = {'databases'}, retention = 3, schedule = '@daily'}"],
                               env: env.merging(["LUA_INIT": ""]) { $1 })
        XCTAssertEqual(made.status, 0, made.stderr)

        // What bkup says it has: the commands of its help, the options of its global sections.
        let help = try runTool(["--help"], env: env).stdout
        var sections: [String: String] = [:]
        var section = ""
        for line in help.split(separator: "\n").map(String.init) {
            if !line.hasPrefix(" ") && line.hasSuffix(":") { section = String(line.dropLast()) }
            guard line.hasPrefix("  -"), section != "Information" else { continue }
            let name = line.dropFirst(2).prefix { $0 != " " && $0 != "," }
            sections[String(name)] = section
        }
        XCTAssertEqual(Set(sections.values), Set(Self.readers.keys), "the global sections of bkup --help")
        let listed = help.split(separator: "\n").filter { $0.hasPrefix("  bkup ") }.map {
            $0.dropFirst(7).split(separator: " ").prefix { !$0.hasPrefix("[") && $0 != "PLAN" }.joined(separator: " ")
        }
        XCTAssertEqual(Set(listed), Set(Self.commands.dropFirst()), "the commands of bkup --help")
        XCTAssertGreaterThanOrEqual(sections.count, 25)
        // A command's own option of the same name is read as its own (bkup serve --project).
        var own: [String: Set<String>] = [:]
        for command in Self.commands.dropFirst() {
            var mine = false
            for line in try runTool(command.split(separator: " ").map(String.init) + ["--help"], env: env).stdout.split(separator: "\n") {
                if !line.hasPrefix(" ") && line.hasSuffix(":") { mine = Self.readers[String(line.dropLast())] == nil }
                if mine && line.hasPrefix("  -") { own[command, default: []].insert(String(line.dropFirst(2).prefix { $0 != " " && $0 != "," })) }
            }
        }
        XCTAssertEqual(own["serve"]?.contains("--project"), true, "\(own)")

        struct Case { let command: String; let option: String; let before: Bool; let arguments: [String]; let words: [String] }
        var cases: [Case] = []
        for command in Self.commands {
            for option in sections.keys.sorted() {
                guard let (arguments, _) = sample(option) else {
                    XCTFail("\(option): the walk has no sample value for it (add one)")
                    continue
                }
                for before in [true, false] {
                    cases.append(Case(command: command, option: option, before: before, arguments: arguments,
                                      words: line(command, arguments, before: before)))
                }
            }
        }
        // The runs, a few at once; then each is judged.
        let runs = RunsBox(cases.count)
        let lines = cases.map(\.words), environment = env
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for n in stride(from: worker, to: lines.count, by: 4) { runs.set(n, try? runTool(lines[n], env: environment, timeout: 30)) }
        }
        for (n, c) in cases.enumerated() {
            let shown = "bkup " + c.words.joined(separator: " ")
            guard let run = runs.get(n) else {
                XCTFail("\(shown): did not run")
                continue
            }
            let section = sections[c.option]!
            let reads = Self.exceptions[c.option] ?? Self.readers[section]!
            let effect = sample(c.option)!.effect
            // bkup monitor --once prints the metrics: what shows an option's effect is on stderr.
            let seen = c.command == "monitor" ? Run(status: run.status, stdout: run.stdout + run.stderr, stderr: run.stderr) : run
            var problem: String?
            if c.command == "bkup" && !c.before {
                // After the script: the script's arguments, as in lua.
                if run.status != 0 || !run.stdout.contains("args=" + c.arguments.joined(separator: " ")) { problem = "not the script's" }
            } else if own[c.command]?.contains(c.option) == true {
                if run.status == 2 || run.stderr.contains("usage: ") { problem = "refused, but it is an option of \(c.command)'s own" }
            } else if reads.contains(c.command) {
                if run.status == 2 || run.stderr.contains("usage: ") { problem = "refused, but \(c.command) reads it" }
                else if !effect(c.command, seen, c.arguments) { problem = "accepted, but without its effect" }
            } else {
                let who = c.command == "bkup" ? "bkup" : "bkup " + c.command
                if run.status != 2 || !run.stderr.contains("\(c.option) (\(section)) does not apply to \(who)") {
                    problem = "not refused as an option \(who) does not read"
                }
            }
            if let problem { XCTFail("\(shown): \(problem): exit \(run.status)\n\(run.stdout.prefix(600))\n\(run.stderr.prefix(600))") }
        }
    }
}

/// The walk's runs, filled from several threads.
private final class RunsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var runs: [Run?]
    init(_ count: Int) { runs = Array(repeating: nil, count: count) }
    func set(_ n: Int, _ run: Run?) { lock.withLock { runs[n] = run } }
    func get(_ n: Int) -> Run? { lock.withLock { runs[n] } }
}
