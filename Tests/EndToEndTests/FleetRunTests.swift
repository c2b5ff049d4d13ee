import BackupsEmulator
import BkupJSON
import BkupTestSupport
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A fleet run as CI and cron meet it: output through a pipe or into a file as it is printed,
/// SIGINT and SIGTERM that keep it and end with the summary, a summary as JSON, and the
/// preflight that stops a fleet before its first write when one key cannot make it.
final class FleetRunTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "bkup-fleetrun-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    /// The summary table's row of `project`.
    func row(_ text: String, _ project: String) -> String {
        String(text.split(separator: "\n").first { $0.hasPrefix("  \(project) ") } ?? "")
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        return path
    }

    func fleet(_ url: String, _ projects: [String], key: String = "full.key", keys: [String: String] = [:]) throws -> String {
        let members = projects.map { p in keys[p].map { #"{"project": "\#(p)", "keyFile": "\#($0)"}"# } ?? #"{"project": "\#(p)"}"# }
        // A file of its own for each fleet: a test compares several.
        return try write("fleet-\(UUID().uuidString).json", #"{"endpoint": "\#(url)", "keyFile": "\#(key)", "projects": [\#(members.joined(separator: ", "))]}"#)
    }

    /// Starts bkup with stdout into a pipe (or a file), waits for `marker` in it, sends each
    /// signal (a pause between), and waits for the end.
    func interrupted(_ args: [String], until marker: String, signals: [Int32], toFile: String? = nil) throws -> Run {
        let p = Process()
        p.executableURL = productsDirectory().appendingPathComponent("bkup")
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("APPWRITE_") }
        environment["XDG_DATA_HOME"] = dir
        p.environment = environment
        let out = Pipe(), err = Pipe()
        var file: FileHandle?
        if let toFile {
            FileManager.default.createFile(atPath: toFile, contents: nil)
            file = FileHandle(forWritingAtPath: toFile)
            p.standardOutput = file
        } else {
            p.standardOutput = out
        }
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let stdout = toFile == nil ? PipeCollector(out) : nil
        let stderr = PipeCollector(err)
        let deadline = Date().addingTimeInterval(60)
        func printed() -> String {
            stdout?.text ?? (toFile.flatMap { FileManager.default.contents(atPath: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? "")
        }
        while !printed().contains(marker) && Date() < deadline && p.isRunning { usleep(20_000) }
        XCTAssertTrue(printed().contains(marker), "'\(marker)' came before the end, through the \(toFile == nil ? "pipe" : "file"): \(printed()) \(stderr.text)")
        for (i, number) in signals.enumerated() {
            if i > 0 { usleep(300_000) }
            kill(p.processIdentifier, number)
        }
        let killer = DispatchWorkItem { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: killer)
        p.waitUntilExit()
        killer.cancel()
        try file?.close()
        XCTAssertEqual(p.terminationReason, .exit, "bkup ended itself, not the signal")
        return Run(status: p.terminationStatus, stdout: stdout?.wait(seconds: 10) ?? printed(), stderr: stderr.wait(seconds: 10))
    }

    func testASignalKeepsWhatWasPrintedAndEndsWithTheSummary() throws {
        let serve = try ServeProcess(["--in-memory", "--key", "full-key-123456"] + (1...6).flatMap { ["--project", "p\($0)"] })
        try write("full.key", "full-key-123456")
        let fleet = try fleet(serve.url, (1...6).map { "p\($0)" })
        let tick = try write("tick.lua", "print('start ' .. backups.config.project)\nfor i = 1, 600 do print('tick ' .. i); task.sleep(0.05) end")
        for (number, toFile) in [(SIGINT, nil), (SIGTERM, dir + "/out.txt"), (SIGINT, dir + "/out2.txt"), (SIGTERM, nil)] {
            let summary = dir + "/summary.json"
            let r = try interrupted(["--fleet", fleet, "--fleet-concurrency", "2", "--summary-json", summary, tick], until: "[p2] tick 3",
                                    signals: [number], toFile: toFile)
            XCTAssertEqual(r.status, 128 + number, r.stdout + r.stderr)
            XCTAssertTrue(r.stdout.contains("[p1] start p1\n") && r.stdout.contains("[p2] tick 3\n"), "what was printed is kept: \(r.stdout)")
            let name = number == SIGINT ? "SIGINT" : "SIGTERM"
            XCTAssertTrue(r.stdout.contains("fleet: 6 projects, 0 ok, 0 failed, 2 interrupted, 4 not started (2 at once); \(name) stopped the run"), r.stdout)
            XCTAssertTrue(row(r.stdout, "p1").contains(" interrupted ") && row(r.stdout, "p6").contains(" not started "), r.stdout)
            let json = try JSONCodec.decode(Array(try XCTUnwrap(FileManager.default.contents(atPath: summary))))
            XCTAssertEqual(json["signal"], .string(name))
            XCTAssertEqual(json["exitStatus"], .integer(Int64(128 + number)))
            XCTAssertEqual(json["counts"]?["interrupted"], .integer(2), "\(json)")
            XCTAssertEqual(json["counts"]?["notStarted"], .integer(4), "\(json)")
            XCTAssertEqual(json["projects"]?.arrayValue?.first?["status"], "interrupted")
            XCTAssertEqual(json["projects"]?.arrayValue?.first?["endpoint"], .string(serve.url))
        }
    }

    /// A project stuck where no interrupt reaches (a C function): the guard ends the run 2 s
    /// later, with the summary; a second signal ends it at once.
    func testAStuckProjectStillEndsWithTheSummaryAndASecondSignalEndsItNow() throws {
        let serve = try ServeProcess(["--in-memory", "--key", "full-key-123456", "--project", "p1", "--project", "p2"])
        try write("full.key", "full-key-123456")
        let fleet = try fleet(serve.url, ["p1", "p2"])
        let stuck = try write("stuck.lua", "print('stuck')\nlocal s = string.rep('a', 40)\nprint(s:find(string.rep('a*', 40) .. 'b'))")
        let guarded = try interrupted(["--fleet", fleet, stuck], until: "[p2] stuck", signals: [SIGTERM])
        XCTAssertEqual(guarded.status, 143, guarded.stdout + guarded.stderr)
        XCTAssertTrue(guarded.stderr.contains("did not stop within 2 s") && guarded.stderr.contains("(in project p"), guarded.stderr)
        XCTAssertTrue(guarded.stdout.contains("fleet: 2 projects, 0 ok, 0 failed, 2 interrupted (4 at once); SIGTERM stopped the run"), guarded.stdout)
        let twice = try interrupted(["--fleet", fleet, stuck], until: "[p2] stuck", signals: [SIGTERM, SIGINT])
        XCTAssertEqual(twice.status, 130, twice.stdout + twice.stderr)
        XCTAssertTrue(twice.stderr.contains("bkup: SIGINT again: ending now"), twice.stderr)
        XCTAssertTrue(twice.stdout.contains("2 interrupted"), twice.stdout)
    }

    func testThePreflightStopsTheFleetBeforeItsFirstWriteWhenOneKeyCannotMakeIt() throws {
        let projects = ["a", "b", "c", "d"]
        let serve = try ServeProcess(["--in-memory", "--seed", "2", "--key", "full-key-123456", "--key", "read-key-123456:policies.read,databases.read"]
                                     + projects.flatMap { ["--project", $0] })
        try write("full.key", "full-key-123456")
        try write("read.key", "read-key-123456")
        func policies(_ project: String) throws -> Int {
            let reply = try serve.request(.GET, "/backups/policies", key: "full-key-123456", project: project)
            return try JSONCodec.decode(reply.text)["total"]?.intValue.map(Int.init) ?? -1
        }
        let ensure = [packageRoot + "/scripts/ensure-policies.lua", "--retention", "3", "--schedule", "0 2 * * *"]
        let mixed = try fleet(serve.url, ["a", "b", "c"], keys: ["c": "read.key"])
        let summary = dir + "/summary.json"
        let r = try runTool(["--fleet", mixed, "--summary-json", summary, "--verbose"] + ensure, env: ["XDG_DATA_HOME": dir!])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        XCTAssertTrue(r.stderr.contains("preflight before the fleet's first write (policies.write): 1 of 3 projects cannot make it:\n  c: the key lacks policies.write"), r.stderr)
        XCTAssertTrue(r.stderr.contains("nothing was written; the fleet stops (--no-preflight skips this check)"), r.stderr)
        XCTAssertTrue(row(r.stdout, "c").contains(" preflight ") && row(r.stdout, "c").hasSuffix("the key lacks policies.write"), r.stdout)
        XCTAssertEqual(try policies("a") + policies("b") + policies("c"), 0, "nothing was written")
        // --verbose lines carry the project's name.
        XCTAssertTrue(r.stderr.contains("[a] bkup: GET /backups/policies") && r.stderr.contains("[c] bkup: POST /backups/policies 401"), r.stderr)
        let json = try JSONCodec.decode(Array(try XCTUnwrap(FileManager.default.contents(atPath: summary))))
        XCTAssertEqual(json["preflight"]?["problems"]?["c"], "the key lacks policies.write", "\(json)")
        XCTAssertEqual(json["preflight"]?["scope"], "policies.write")

        let unchecked = try runTool(["--fleet", mixed, "--no-preflight"] + ensure, env: ["XDG_DATA_HOME": dir!])
        XCTAssertEqual(unchecked.status, 1, unchecked.stdout + unchecked.stderr)
        XCTAssertTrue(unchecked.stdout.contains("fleet: 3 projects, 2 ok, 1 failed (4 at once)"), unchecked.stdout)
        XCTAssertEqual(try policies("a"), 2)

        // A read-only job passes no preflight: it never writes.
        let audit = try runTool(["--fleet", mixed, packageRoot + "/scripts/audit.lua", "--check", "disabled"], env: ["XDG_DATA_HOME": dir!])
        XCTAssertFalse(audit.stderr.contains("preflight"), audit.stderr)

        // apply: a plan of four projects; a fleet file of two names both missing ones; one wrong
        // key stops the whole apply before its first step.
        let plan = dir + "/plan.json"
        let all = try fleet(serve.url, projects)
        let made = try runTool(["--fleet", all, "--plan-out", plan] + ensure + ["--prune"], env: ["XDG_DATA_HOME": dir!])
        XCTAssertEqual(made.status, 0, made.stdout + made.stderr)
        let two = try fleet(serve.url, ["a", "b"])
        let short = try runTool(["apply", "--fleet", two, "--yes", plan], env: ["XDG_DATA_HOME": dir!])
        XCTAssertEqual(short.status, 1)
        XCTAssertTrue(short.stderr.contains("the plan is for project c at \(serve.url), project d at \(serve.url), but the configured connections are"), short.stderr)
        let wrong = try fleet(serve.url, projects, keys: ["d": "read.key"])
        let refused = try runTool(["apply", "--fleet", wrong, "--yes", plan], env: ["XDG_DATA_HOME": dir!])
        XCTAssertEqual(refused.status, 1, refused.stdout + refused.stderr)
        XCTAssertTrue(refused.stderr.contains("preflight: 1 of 4 targets cannot take this plan's steps:\n  project d at \(serve.url): the key lacks policies.write"),
                      refused.stderr)
        XCTAssertEqual(try policies("c") + policies("d"), 0, "nothing was sent")
        let applied = try runTool(["apply", "--fleet", all, "--yes", plan], env: ["XDG_DATA_HOME": dir!])
        XCTAssertEqual(applied.status, 0, applied.stdout + applied.stderr)
        XCTAssertEqual(try policies("d"), 2)
    }

    func testAnInterruptedApplyListsTheStepsItDidNotStart() throws {
        let serve = try ServeProcess(["--in-memory", "--key", "full-key-123456", "--latency", "150"])
        let env = ["APPWRITE_ENDPOINT": serve.url, "APPWRITE_API_KEY": "full-key-123456", "APPWRITE_PROJECT_ID": "bkup-local", "XDG_DATA_HOME": dir!]
        let plan = dir + "/plan.json"
        let made = try runTool(["--plan-out", plan, "-e", """
            for i = 1, 40 do backups.policies.create{id = string.format("p%02d", i), services = {"databases"}, retention = 1, schedule = "@daily"} end
            """], env: env)
        XCTAssertEqual(made.status, 0, made.stderr)
        let p = Process()
        p.executableURL = productsDirectory().appendingPathComponent("bkup")
        p.arguments = ["apply", "--yes", "--concurrency", "1", plan]
        p.environment = ProcessInfo.processInfo.environment.merging(env) { _, b in b }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let stdout = PipeCollector(out), stderr = PipeCollector(err)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let reply = try serve.request(.GET, "/backups/policies", key: "full-key-123456")
            if (try? JSONCodec.decode(reply.text)["total"]?.intValue) ?? 0 >= 2 { break }
            usleep(50_000)
        }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        let text = stdout.wait(seconds: 10)
        XCTAssertEqual(p.terminationStatus, 130, text + stderr.wait(seconds: 1))
        XCTAssertTrue(text.contains("not started: step 40 "), text)
        let notStarted = text.split(separator: "\n").filter { $0.hasPrefix("not started: ") }.count
        XCTAssertGreaterThan(notStarted, 10, text)
        XCTAssertTrue(text.contains(", \(notStarted) not started (SIGINT stopped the apply)"), text)
    }

    func testTheSummaryTableKeepsItsColumnsAndAJSONErrorHasItsLine() throws {
        let serve = try ServeProcess(["--in-memory", "--key", "full-key-123456", "--project", "a"])
        try write("full.key", "full-key-123456")
        let fleet = try fleet(serve.url, ["a"])
        let tabs = try write("tabs.lua", "print('count', 42)")
        let r = try runTool(["--fleet", fleet, tabs], env: ["XDG_DATA_HOME": dir!])
        XCTAssertEqual(r.status, 0, r.stderr)
        let summaryRow = row(r.stdout, "a")
        XCTAssertTrue(summaryRow.hasSuffix("  count 42") && !summaryRow.contains("\t"), summaryRow)
        let broken = try write("broken.json", "{\n  \"projects\": [\n    {\"project\": \"a\",}\n  ]\n}\n")
        let bad = try runTool(["--fleet", broken, tabs])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("broken.json:3:21: not JSON") && bad.stderr.contains("(line 3, column 21)"), bad.stderr)
    }
}
