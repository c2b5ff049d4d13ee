import BackupsEmulator
import BkupJSON
import BkupTestSupport
import Foundation
import XCTest

/// Reviewed changes: `bkup --plan-out`, `bkup apply`, `bkup plan show`, run by the real binary
/// against an emulator with two projects seeded alike: "direct" runs each job itself, "planned"
/// plans it and applies the plan. Their states must then be the same.
final class PlanTests: XCTestCase {
    var emulator: EmulatorHarness!
    var dir: String!

    override func setUpWithError() throws {
        var config = EmulatorConfiguration(key: "plan-key-\(UUID().uuidString)")
        config.port = 0
        config.projects = ["direct", "planned"]
        config.seed = 5
        // Archives finish in a fraction of a second; the schedules below are yearly.
        config.speed = 24
        emulator = EmulatorHarness(server: try EmulatorServer.startBlocking(config))
        dir = NSTemporaryDirectory() + "bkup-plan-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        let e = emulator!
        try e.blocking { await e.stop() }
        try? FileManager.default.removeItem(atPath: dir)
    }

    func bkup(_ project: String, _ args: [String], endpoint: String? = nil, stdin: String? = nil) throws -> Run {
        try runTool(args, stdin: stdin, env: ["APPWRITE_ENDPOINT": endpoint ?? emulator.url, "APPWRITE_PROJECT_ID": project,
                                              "APPWRITE_API_KEY": emulator.key, "XDG_DATA_HOME": dir!], cwd: packageRoot)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// A project's state as sorted JSON, without what differs between any two runs: the times
    /// of writes, and the IDs and times of records whose IDs the service chose.
    func state(_ project: String) throws -> String {
        let e = emulator!
        let all = EmulatorHarness.queryString([#"{"method":"limit","values":[1000]}"#])
        func list(_ path: String, _ key: String, drop: Set<String>) throws -> JSONValue {
            let items = try e.blocking { try await e.request(.GET, path + all, project: project) }.json[key]?.arrayValue ?? []
            let kept = items.map { item in JSONValue.object((item.objectValue ?? [:]).filter { !drop.contains($0.key) }) }
            return .array(kept.sorted { (try! JSONCodec.encode($0, options: .init(sortKeys: true))) < (try! JSONCodec.encode($1, options: .init(sortKeys: true))) })
        }
        let times: Set<String> = ["$createdAt", "$updatedAt", "startedAt"]
        let made = times.union(["$id", "migrationId", "size", "archiveId"])
        let snapshot = JSONValue.object([
            "policies": try list("/backups/policies", "policies", drop: times),
            "archives": try list("/backups/archives", "archives", drop: made),
            "restorations": try list("/backups/restorations", "restorations", drop: made),
            "databases": try list("/databases", "databases", drop: times),
        ])
        return try JSONCodec.encode(snapshot, options: .init(pretty: true, sortKeys: true))
    }

    /// Runs `job` on "direct"; plans it on "planned" (which must not change), applies the plan,
    /// and compares the two states; a second apply applies nothing.
    func checkPlanThenApplyEqualsADirectRun(_ job: [String], planned counts: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let direct = try bkup("direct", job)
        XCTAssertEqual(direct.status, 0, "\(job): \(direct.stdout)\(direct.stderr)", file: file, line: line)
        let before = try state("planned")
        let planPath = dir + "/plan-\(UUID().uuidString).json"
        let plan = try bkup("planned", ["--plan-out", planPath] + job)
        XCTAssertEqual(plan.status, 0, "\(job): \(plan.stderr)", file: file, line: line)
        XCTAssertTrue(plan.stderr.contains("bkup: plan written to \(planPath): \(counts) "), plan.stderr, file: file, line: line)
        XCTAssertEqual(try state("planned"), before, "a plan sends nothing", file: file, line: line)
        let applied = try bkup("planned", ["apply", "--yes", planPath])
        XCTAssertEqual(applied.status, 0, "\(job): \(applied.stdout)\(applied.stderr)", file: file, line: line)
        XCTAssertTrue(applied.stdout.contains(" 0 refused, 0 failed, 0 already applied"), applied.stdout, file: file, line: line)
        XCTAssertEqual(try state("planned"), try state("direct"), "\(job): plan then apply = a direct run", file: file, line: line)
        let again = try bkup("planned", ["apply", "--yes", planPath])
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr, file: file, line: line)
        XCTAssertTrue(again.stdout.contains("nothing to apply: all "), again.stdout, file: file, line: line)
        XCTAssertEqual(try state("planned"), try state("direct"), file: file, line: line)
    }

    func testPlanThenApplyGivesTheStateOfADirectRun() throws {
        for project in ["direct", "planned"] {
            XCTAssertEqual(try bkup(project, ["scripts/ensure-policies.lua", "--schedule", "30 3 1 1 *", "--retention", "30", "--quiet"]).status, 0)
            for _ in 0..<2 {
                let round = try bkup(project, ["scripts/backup-now.lua", "--interval", "0.05", "--timeout", "60"])
                XCTAssertEqual(round.status, 0, round.stderr)
            }
        }
        XCTAssertEqual(try state("planned"), try state("direct"))
        try checkPlanThenApplyEqualsADirectRun(["scripts/ensure-policies.lua", "--schedule", "45 4 1 1 *", "--retention", "14", "--quiet"],
                                               planned: "0 creates, 5 updates, 0 deletes")
        try checkPlanThenApplyEqualsADirectRun(["scripts/rotate-policies.lua", "--all", "--retention", "21"],
                                               planned: "0 creates, 5 updates, 0 deletes")
        try checkPlanThenApplyEqualsADirectRun(["scripts/prune-archives.lua", "--daily", "1", "--weekly", "0", "--monthly", "0",
                                                "--yearly", "0", "--apply"], planned: "0 creates, 0 updates, 5 deletes")
        // Services cannot change in place: each policy is replaced (create, verify, delete).
        let replace = try write("replace.lua", """
            local report = backups.rotate("databases", {services = {"tablesdb"}, schedule = "15 2 1 1 *", retention = 9})
            print(report)
            assert(#report.replaced == 5, tostring(report))
            """)
        try checkPlanThenApplyEqualsADirectRun([replace], planned: "5 creates, 0 updates, 5 deletes")
    }

    func testAStepWhoseRecordMovedIsRefusedAndTheOthersApplied() throws {
        XCTAssertEqual(try bkup("planned", ["scripts/ensure-policies.lua", "--schedule", "30 3 1 1 *", "--retention", "30", "--quiet"]).status, 0)
        let planPath = dir + "/plan.json"
        let plan = try bkup("planned", ["--plan-out", planPath, "scripts/ensure-policies.lua", "--schedule", "45 4 1 1 *", "--retention", "14"])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        // Another script changes one policy between plan and apply.
        let other = try bkup("planned", ["-e", #"backups.policies.update("bkup-db-0002", {name = "renamed by hand"})"#])
        XCTAssertEqual(other.status, 0, other.stderr)
        let applied = try bkup("planned", ["apply", "--yes", planPath])
        XCTAssertEqual(applied.status, 1, applied.stdout + applied.stderr)
        XCTAssertTrue(applied.stdout.contains("refused: step 2 ~ policy bkup-db-0002: "), applied.stdout)
        XCTAssertTrue(applied.stdout.contains("changed since the plan"), applied.stdout)
        XCTAssertTrue(applied.stdout.hasSuffix("apply: 4 applied, 1 refused, 0 failed, 0 already applied\n"), applied.stdout)
        let e = emulator!
        let moved = try e.blocking { try await e.request(.GET, "/backups/policies/bkup-db-0002", project: "planned") }.json
        XCTAssertEqual(moved["name"], "renamed by hand")
        XCTAssertEqual(moved["retention"], 30, "the refused step was not sent")
        let kept = try e.blocking { try await e.request(.GET, "/backups/policies/bkup-db-0003", project: "planned") }.json
        XCTAssertEqual(kept["retention"], 14)
        XCTAssertEqual(kept["schedule"], "45 4 1 1 *")
        // Again: the applied steps are said so, the refused one is still refused.
        let again = try bkup("planned", ["apply", "--yes", planPath])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stdout.hasSuffix("apply: 0 applied, 1 refused, 0 failed, 4 already applied\n"), again.stdout)
    }

    func testAPlanForAnotherProjectOrEndpointIsRefusedBeforeAnythingIsSent() throws {
        let planPath = dir + "/plan.json"
        let plan = try bkup("planned", ["--plan-out", planPath, "scripts/ensure-policies.lua", "--schedule", "30 3 1 1 *", "--retention", "30"])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        let directBefore = try state("direct")
        let statsBefore = try emulator.blocking { [e = emulator!] in try await e.stats() }
        let otherProject = try bkup("direct", ["apply", "--yes", planPath])
        XCTAssertEqual(otherProject.status, 1)
        XCTAssertTrue(otherProject.stderr.contains("the plan is for project planned at \(emulator.url), but the configured connection is project direct at \(emulator.url): nothing was sent"), otherProject.stderr)
        let otherEndpoint = try bkup("planned", ["apply", "--yes", planPath], endpoint: "http://127.0.0.1:9/v1")
        XCTAssertEqual(otherEndpoint.status, 1)
        XCTAssertTrue(otherEndpoint.stderr.contains("but the configured connection is project planned at http://127.0.0.1:9/v1"), otherEndpoint.stderr)
        let statsAfter = try emulator.blocking { [e = emulator!] in try await e.stats() }
        XCTAssertEqual(statsAfter["requests"], statsBefore["requests"], "\(statsBefore) \(statsAfter)")
        XCTAssertEqual(try state("direct"), directBefore)
        XCTAssertFalse(otherProject.stdout.contains(emulator.key) || otherProject.stderr.contains(emulator.key))
    }

    func testBadPlanFilesAreRefusedWithAClearError() throws {
        let planPath = dir + "/plan.json"
        XCTAssertEqual(try bkup("planned", ["--plan-out", planPath, "scripts/ensure-policies.lua", "--schedule", "30 3 1 1 *", "--retention", "30"]).status, 0)
        let good = try read(planPath)
        XCTAssertFalse(good.contains(emulator.key))
        func refused(_ text: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let path = try write("bad.json", text)
            for args in [["apply", "--yes", path], ["plan", "show", path]] {
                let r = try bkup("planned", args)
                XCTAssertEqual(r.status, 2, r.stdout + r.stderr, file: file, line: line)
                XCTAssertTrue(r.stderr.contains(message), r.stderr, file: file, line: line)
                XCTAssertEqual(r.stdout, "", file: file, line: line)
            }
        }
        try refused("{ \"bkupPlan\": 1, ", "bad.json: not JSON")
        try refused("[1, 2]", "not a bkup plan")
        try refused(good.replacingOccurrences(of: "\"bkupPlan\": 1", with: "\"bkupPlan\": 2"),
                    "plan format version 2 is not one this bkup reads (it reads version 1)")
        try refused(good.replacingOccurrences(of: "\"retention\": 30", with: "\"retention\": 3"), "the plan was changed after it was made")
        // Edited and signed again by hand: still a request bkup would never send.
        var edited = try JSONCodec.decode(good.replacingOccurrences(of: "\"id\": \"bkup-db-0001\"", with: "\"id\": \"-bad id\""))
        guard case .object(var o) = edited else { return XCTFail() }
        o["checksum"] = nil
        let sum = try runProgram("/usr/bin/sha256sum", [], stdin: try JSONCodec.encode(.object(o), options: .init(sortKeys: true)))
        o["checksum"] = .string("sha256:" + sum.stdout.prefix(64))
        edited = .object(o)
        try refused(try JSONCodec.encode(edited), "step 1: policy")
        // Edited and signed again: review shows what the request does, never the file's own words.
        var resigned = try JSONCodec.decode(good.replacingOccurrences(of: "\"retention\": 30", with: "\"retention\": 99"))
        guard case .object(var r) = resigned else { return XCTFail() }
        r["checksum"] = nil
        let resum = try runProgram("/usr/bin/sha256sum", [], stdin: try JSONCodec.encode(.object(r), options: .init(sortKeys: true)))
        r["checksum"] = .string("sha256:" + resum.stdout.prefix(64))
        resigned = .object(r)
        XCTAssertTrue(try JSONCodec.encode(resigned).contains("30d)"), "the file's summary still says 30 days")
        let shown = try bkup("planned", ["plan", "show", try write("resigned.json", try JSONCodec.encode(resigned))])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertTrue(shown.stdout.contains("+ policy bkup-db-0001 (databases, resource db-0001, 30 3 1 1 *, 99d)\n"), shown.stdout)
        XCTAssertFalse(shown.stdout.contains("30d"), shown.stdout)
        let missing = try bkup("planned", ["apply", dir + "/none.json"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("none.json: cannot read the file"), missing.stderr)
        XCTAssertEqual(try bkup("planned", ["apply"]).status, 2)
        XCTAssertEqual(try bkup("planned", ["apply", "--format", "yaml", planPath]).status, 2)
    }

    func testTheSameStateAndScriptGiveTheSameBytesAndShowInThreeFormats() throws {
        // A frozen clock: the plan's times, too, are the same.
        let frozen = try EmulatorHarness.startBlocking(seed: 5, speed: 1e-9)
        defer { try? frozen.blocking { await frozen.stop() } }
        func plan(_ name: String) throws -> String {
            let path = dir + "/" + name
            let r = try runTool(["--plan-out", path, "--concurrency", "5", "scripts/ensure-policies.lua", "--schedule", "30 3 1 1 *", "--retention", "30"],
                                env: ["APPWRITE_ENDPOINT": frozen.url, "APPWRITE_PROJECT_ID": frozen.project, "APPWRITE_API_KEY": frozen.key],
                                cwd: packageRoot)
            XCTAssertEqual(r.status, 0, r.stderr)
            return try read(path)
        }
        let first = try plan("a.json"), second = try plan("b.json")
        XCTAssertEqual(first, second)
        let steps = try JSONCodec.decode(first)["steps"]?.arrayValue ?? []
        XCTAssertEqual(steps.compactMap { $0["id"]?.stringValue }, (1...5).map { "bkup-db-000\($0)" }, "sorted")
        XCTAssertEqual(steps.first?["precondition"], .object(["absent": true]))
        XCTAssertEqual(steps.first?["request"]?["method"], "POST")

        let text = try bkup("x", ["plan", "show", dir + "/a.json"])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("+ policy bkup-db-0003 (databases, resource db-0003, 30 3 1 1 *, 30d)\n"), text.stdout)
        XCTAssertTrue(text.stdout.hasSuffix("plan: 5 creates, 0 updates, 0 deletes\n"), text.stdout)
        let table = try bkup("x", ["apply", "--show", "--format", "table", dir + "/a.json"])
        XCTAssertTrue(table.stdout.contains("step  project     operation  record  id            precondition  change"), table.stdout)
        let json = try bkup("x", ["plan", "show", "--format=json", dir + "/a.json"])
        XCTAssertEqual(json.stdout, first)
    }

    func testAFleetMakesOnePlanTaggedByProject() throws {
        let keyFile = try write("fleet.key", emulator.key)
        chmod(keyFile, 0o600)
        let fleet = try write("fleet.json", """
            {"endpoint": "\(emulator.url)", "keyFile": "fleet.key",
             "projects": [{"name": "d", "project": "direct"}, {"name": "p", "project": "planned"}]}
            """)
        let planPath = dir + "/fleet-plan.json"
        let plan = try runTool(["--fleet", fleet, "--plan-out", planPath, "scripts/ensure-policies.lua", "--schedule", "30 3 1 1 *", "--retention", "30"],
                               env: ["XDG_DATA_HOME": dir!], cwd: packageRoot)
        XCTAssertEqual(plan.status, 0, plan.stdout + plan.stderr)
        let file = try JSONCodec.decode(try read(planPath))
        XCTAssertEqual(file["targets"]?.arrayValue?.count, 2)
        XCTAssertEqual(file["steps"]?.arrayValue?.filter { $0["project"] == "direct" }.count, 5)
        XCTAssertEqual(file["steps"]?.arrayValue?.filter { $0["project"] == "planned" }.count, 5)

        let alone = try bkup("planned", ["apply", "--yes", planPath])
        XCTAssertEqual(alone.status, 1)
        XCTAssertTrue(alone.stderr.contains("a plan of several projects is applied with --fleet FILE"), alone.stderr)
        let applied = try runTool(["apply", "--fleet", fleet, "--yes", planPath], env: ["XDG_DATA_HOME": dir!], cwd: packageRoot)
        XCTAssertEqual(applied.status, 0, applied.stdout + applied.stderr)
        XCTAssertTrue(applied.stdout.contains("[planned] + policy bkup-db-0001"), applied.stdout)
        XCTAssertTrue(applied.stdout.hasSuffix("apply: 10 applied, 0 refused, 0 failed, 0 already applied\n"), applied.stdout)
        XCTAssertEqual(try state("direct"), try state("planned"))
    }

    func testApplyAsksOnATerminal() throws {
        let planPath = dir + "/plan.json"
        XCTAssertEqual(try bkup("planned", ["--plan-out", planPath, "scripts/ensure-policies.lua", "--schedule", "30 3 1 1 *", "--retention", "30"]).status, 0)
        let driver = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("confirm_pty.py").path
        let bkupPath = bkupUnderTest
        let env = ["APPWRITE_ENDPOINT": emulator.url, "APPWRITE_PROJECT_ID": "planned", "APPWRITE_API_KEY": emulator.key]
        let no = try runProgram("/usr/bin/python3", [driver, "n", bkupPath, "apply", planPath], env: env)
        XCTAssertTrue(no.stdout.contains("Apply these 5 steps to project planned at \(emulator.url)? [y/N] n\n"), no.stdout)
        XCTAssertTrue(no.stdout.hasSuffix("bkup apply: not applied; nothing was sent\nexit 1\n"), no.stdout)
        XCTAssertEqual(try state("planned").contains("bkup-db-0001"), false)
        let yes = try runProgram("/usr/bin/python3", [driver, "y", bkupPath, "apply", planPath], env: env)
        XCTAssertTrue(yes.stdout.hasSuffix("apply: 5 applied, 0 refused, 0 failed, 0 already applied\nexit 0\n"), yes.stdout)
        XCTAssertTrue(yes.stdout.contains("] 5/5 "), "a progress bar on the terminal: \(yes.stdout)")
        XCTAssertEqual(try state("planned").contains("bkup-db-0001"), true)
    }

    func testAnArchiveOfAPlanIsMadeOnceHoweverOftenItIsApplied() throws {
        let planPath = dir + "/plan.json"
        let plan = try bkup("planned", ["--plan-out", planPath, "-e", #"backups.archives.create{services = {"databases"}, resourceId = "db-0002"}"#])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        XCTAssertEqual(try bkup("planned", ["apply", "--yes", planPath]).status, 0)
        let again = try bkup("planned", ["apply", "--yes", planPath])
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
        let e = emulator!
        let archives = try e.blocking { try await e.request(.GET, "/backups/archives", project: "planned") }.json["archives"]?.arrayValue ?? []
        XCTAssertEqual(archives.count, 1)
        let id = archives.first?["$id"]?.stringValue ?? "?"
        XCTAssertTrue(again.stdout.contains("already: step 1 + archive (databases, resource db-0002): archive \(id) was made since the plan\n"), again.stdout)
        XCTAssertTrue(again.stdout.hasSuffix("nothing to apply: its one step was already applied (this plan was applied before)\n"), again.stdout)
    }

    func testAScriptThatFailsWritesNoPlan() throws {
        let planPath = dir + "/plan.json"
        let r = try bkup("planned", ["--plan-out", planPath, "-e", #"backups.policies.create{id = "x", services = {"databases"}, retention = 1, schedule = "0 1 * * *"} error("boom")"#])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("bkup: no plan written to \(planPath): the script did not finish well (exit status 1)"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: planPath))
        let exit0 = try bkup("planned", ["--plan-out", planPath, "-e", #"backups.policies.create{id = "x", services = {"databases"}, retention = 1, schedule = "0 1 * * *"} os.exit(0)"#])
        XCTAssertEqual(exit0.status, 0, exit0.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: planPath))
        // The key never leaves, even where a script put it.
        let leaky = dir + "/leaky.json"
        let r2 = try bkup("planned", ["--plan-out", leaky, "-e", #"backups.policies.create{id = "k", name = os.getenv("APPWRITE_API_KEY"), services = {"databases"}, retention = 1, schedule = "0 1 * * *"}"#])
        XCTAssertEqual(r2.status, 1, r2.stderr)
        XCTAssertTrue(r2.stderr.contains("bkup: no plan written to \(leaky): a step would carry the API key"), r2.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: leaky))
        XCTAssertFalse(r2.stderr.contains(emulator.key))
    }
}
