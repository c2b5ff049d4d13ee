import BackupsEmulator
import BkupJSON
import BkupTestSupport
import Foundation
import XCTest

/// One script across many projects: `--fleet` over twenty emulated projects with one broken
/// key, connections that copy policies between projects, and one budget of requests in flight
/// per endpoint, counted by the server.
final class FleetTests: XCTestCase {
    var emulator: EmulatorHarness!
    var dir: String!
    static let projects = (1...20).map { String(format: "p%02d", $0) }

    override func setUpWithError() throws {
        try start(latency: 0)
        dir = NSTemporaryDirectory() + "bkup-fleet-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    func start(latency: Int) throws {
        if let e = emulator { try e.blocking { await e.stop() } }
        var config = EmulatorConfiguration(key: "fleet-key-\(UUID().uuidString)")
        config.port = 0
        config.projects = Self.projects
        config.seed = 3
        config.latencyMilliseconds = latency
        emulator = EmulatorHarness(server: try EmulatorServer.startBlocking(config))
    }

    override func tearDownWithError() throws {
        let e = emulator!
        try e.blocking { await e.stop() }
        try? FileManager.default.removeItem(atPath: dir)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        return path
    }

    func policies(_ project: String) throws -> [JSONValue] {
        let e = emulator!
        return try e.blocking { try await e.request(.GET, "/backups/policies", project: project) }.json["policies"]?.arrayValue ?? []
    }

    func testAFleetConvergesEveryProjectAndAWrongKeyFailsAlone() throws {
        _ = try write("good.key", emulator.key)
        _ = try write("wrong.key", "not-the-key")
        var members = Self.projects.map { "{\"name\": \"\($0)\", \"project\": \"\($0)\"}" }
        members.insert("{\"name\": \"broken\", \"project\": \"p01\", \"keyFile\": \"wrong.key\"}", at: 7)
        let fleet = try write("fleet.json", """
            {"endpoint": "\(emulator.url)", "keyFile": "good.key", "endpointConcurrency": 16,
             "projects": [\(members.joined(separator: ",\n"))]}
            """)
        let ensure = ["scripts/ensure-policies.lua", "--schedule", "0 2 * * *", "--retention", "30"]

        // A dry run across the fleet sends nothing.
        let dry = try runTool(["--fleet", fleet, "--dry-run"] + ensure, env: ["XDG_DATA_HOME": dir!], cwd: packageRoot)
        XCTAssertEqual(dry.status, 1, dry.stdout + dry.stderr)
        XCTAssertTrue(dry.stderr.contains("[p05]") && dry.stderr.contains("dry run: 3 creates"), dry.stderr)
        XCTAssertEqual(try policies("p05").count, 0)

        // The preflight before the first write finds the broken key: nothing is written anywhere.
        let checked = try runTool(["--fleet", fleet, "--fleet-concurrency", "8"] + ensure, env: ["XDG_DATA_HOME": dir!], cwd: packageRoot)
        XCTAssertEqual(checked.status, 1, checked.stdout + checked.stderr)
        XCTAssertTrue(checked.stderr.contains("preflight before the fleet's first write (policies.write): 1 of 21 projects cannot make it:\n  broken: the API key is not valid for project 'p01'"),
                      checked.stderr)
        XCTAssertTrue(checked.stdout.contains("stopped before the first write (policies.write)"), checked.stdout)
        for project in Self.projects { XCTAssertEqual(try policies(project).count, 0, project) }

        let r = try runTool(["--fleet", fleet, "--fleet-concurrency", "8", "--no-preflight"] + ensure, env: ["XDG_DATA_HOME": dir!], cwd: packageRoot)
        XCTAssertEqual(r.status, 1, "one project failed: \(r.stdout)\(r.stderr)")
        XCTAssertTrue(r.stdout.contains("fleet: 21 projects, 20 ok, 1 failed (8 at once)"), r.stdout)
        let broken = r.stdout.split(separator: "\n").first { $0.hasPrefix("  broken ") } ?? ""
        XCTAssertTrue(broken.contains("failed") && broken.contains("not valid"), String(broken))
        XCTAssertTrue(r.stdout.split(separator: "\n").contains { $0.hasPrefix("[p20]") && $0.hasSuffix("rotate: 3 created, 0 updated, 0 replaced, 0 deleted, 0 unchanged, 0 failed") },
                      r.stdout)
        for project in Self.projects {
            XCTAssertEqual(try policies(project).count, 3, project)
        }
        XCTAssertFalse((r.stdout + r.stderr).contains(emulator.key), "the key never leaves")
        // Again: nothing to do anywhere.
        members.remove(at: 7)
        let healthy = try write("healthy.json", """
            {"endpoint": "\(emulator.url)", "keyFile": "good.key", "projects": [\(members.joined(separator: ","))]}
            """)
        let again = try runTool(["--fleet", healthy] + ensure, env: ["XDG_DATA_HOME": dir!], cwd: packageRoot)
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
        XCTAssertTrue(again.stdout.contains("fleet: 20 projects, 20 ok, 0 failed"), again.stdout)
        XCTAssertTrue(again.stdout.contains("[p13] rotate: 0 created, 0 updated, 0 replaced, 0 deleted, 3 unchanged, 0 failed"), again.stdout)
    }

    func testFleetFilesAreCheckedAndLuaFleetsWork() throws {
        _ = try write("good.key", emulator.key)
        for (text, message) in [
            ("{ not json", "not JSON"),
            (#"{"projects": []}"#, "\"projects\" must be a non-empty list"),
            (#"{"projects": [{"project": "p01", "keyfile": "x"}]}"#, "unknown setting keyfile"),
            (#"{"projects": [{"name": "a"}]}"#, "project is missing"),
            (#"{"projects": [{"project": "p01"}, {"project": "p01"}]}"#, "the name p01 is used twice"),
            (#"{"key": "secret", "projects": [{"project": "p01"}]}"#, "unknown setting key"),
        ] {
            let r = try runTool(["--fleet", try write("bad.json", text), "-e", "print(1)", packageRoot + "/scripts/audit.lua"])
            XCTAssertEqual(r.status, 2, text)
            XCTAssertTrue(r.stderr.contains(message), "\(message) in \(r.stderr)")
        }
        let lua = try write("fleet.lua", """
            local projects = {}
            for i = 1, 3 do projects[i] = { project = string.format("p%02d", i) } end
            return { endpoint = "\(emulator.url)", keyFile = "good.key", projects = projects }
            """)
        let r = try runTool(["--fleet", lua, packageRoot + "/scripts/audit.lua", "--check", "unprotected"], env: ["XDG_DATA_HOME": dir!])
        XCTAssertEqual(r.status, 1, "every project has unprotected databases: \(r.stdout)\(r.stderr)")
        XCTAssertTrue(r.stdout.contains("fleet: 3 projects, 0 ok, 3 failed"), r.stdout)
        XCTAssertTrue(r.stdout.contains("exit 1"), r.stdout)
        // A limit holds under a fleet as alone: a finalizer that never returns ends the run.
        let loop = try write("loop.lua", "if backups.config.project == 'p02' then setmetatable({}, {__gc = function() while true do end end}) end")
        let stuck = try runTool(["--timeout", "1", "--fleet", lua, loop], env: ["XDG_DATA_HOME": dir!], timeout: 60)
        XCTAssertEqual(stuck.status, 1)
        XCTAssertTrue(stuck.stderr.contains("time limit exceeded") && stuck.stderr.contains("(in project p02)"), stuck.stderr)
        // What io writes carries the project's name as print's lines do, line by line.
        let writes = try write("writes.lua", "io.write('a', 'b\\n') io.stdout:write('c') print('d') io.write('unended')")
        let written = try runTool(["--fleet", lua, writes], env: ["XDG_DATA_HOME": dir!])
        XCTAssertTrue(written.stdout.contains("[p02] ab\n[p02] cd\n[p02] unended\n"), written.stdout)
        // doctor under a fleet: one checklist per project, every line of it named.
        let doctor = try runTool(["doctor", "--fleet", lua], env: ["XDG_DATA_HOME": dir!])
        XCTAssertEqual(doctor.status, 0, doctor.stdout + doctor.stderr)
        XCTAssertTrue(doctor.stdout.contains("[p02] ✔ scopes"), doctor.stdout)
        XCTAssertTrue(doctor.stdout.contains("  p03      ok") && doctor.stdout.contains("every check passed"), doctor.stdout)
        // backups.fleet in Lua: the same file, as connections.
        let viaArg = try runTool(["-e", "for _, p in ipairs(backups.fleet(arg[1])) do print(p.name, #p.resources.databases.list().databases) end", "-", lua],
                                 stdin: "", env: ["XDG_DATA_HOME": dir!])
        XCTAssertEqual(viaArg.stdout, "p01\t3\np02\t3\np03\t3\n", viaArg.stderr)
    }

    func testConnectionsCopyPoliciesAndShareOneBudgetPerEndpoint() throws {
        let keyFile = try write("good.key", emulator.key)
        let env: [String: String] = ["APPWRITE_ENDPOINT": emulator.url, "APPWRITE_PROJECT_ID": "p01", "XDG_DATA_HOME": dir!]
        let setup = try runTool(["--key-file", keyFile, "-e", """
            backups.rotate("databases", {schedule = "0 4 * * *", retention = 9})
            local p02 = backups.connect{project = "p02"}
            p02.policies.create{id = "extra", services = {"databases"}, resourceId = "db-0001", retention = 1, schedule = "0 1 * * *"}
            p02.policies.create{id = "bkup-db-0002", services = {"databases"}, resourceId = "db-0002", retention = 1, schedule = "0 1 * * *"}
            print(tostring(p02))
            """], env: env)
        XCTAssertEqual(setup.status, 0, setup.stderr)
        XCTAssertEqual(setup.stdout, "backups connection: \(emulator.url), project p02\n")
        let copy = try runTool(["--key-file", keyFile, packageRoot + "/scripts/copy-policies.lua", "--from", "p01", "--to", "p02", "--prune"], env: env)
        XCTAssertEqual(copy.status, 0, copy.stderr)
        XCTAssertTrue(copy.stdout.contains("copy-policies p01 -> p02: 2 created, 1 updated, 0 replaced, 1 deleted, 0 unchanged, 0 failed"), copy.stdout)
        func shape(_ list: [JSONValue]) -> [String] {
            list.map { p in ["$id", "resourceId", "schedule", "retention", "enabled", "name"].map { "\(p[$0] ?? .null)" }.joined(separator: "|") }.sorted()
        }
        XCTAssertEqual(shape(try policies("p02")), shape(try policies("p01")))
        XCTAssertEqual(try policies("p02").count, 3)

        // The key never follows a script to another endpoint.
        let elsewhere = try runTool(["--key-file", keyFile, "-e", """
            print(pcall(backups.connect, {endpoint = "http://127.0.0.1:9/v1", project = "x"}))
            print(tostring(backups.connect{endpoint = "http://127.0.0.1:9/v1", project = "x", key = "its-own-key"}))
            """], env: env)
        XCTAssertTrue(elsewhere.stdout.hasPrefix("false\targument_invalid: connect: another endpoint needs its own key"), elsewhere.stdout + elsewhere.stderr)
        XCTAssertTrue(elsewhere.stdout.contains("backups connection: http://127.0.0.1:9/v1, project x"), elsewhere.stdout)
        let stray = try write("stray.json", """
            {"projects": [{"project": "p01"}, {"name": "stray", "project": "x", "endpoint": "http://127.0.0.1:9/v1"}]}
            """)
        let fleet = try runTool(["--key-file", keyFile, "--fleet", stray, "-e", "", packageRoot + "/scripts/audit.lua", "--check", "disabled"], env: env)
        XCTAssertEqual(fleet.status, 2, "refused before the first request: \(fleet.stdout)\(fleet.stderr)")
        XCTAssertTrue(fleet.stderr.contains("project stray: another endpoint needs its own key") && fleet.stderr.contains("no key for http://127.0.0.1:9/v1"),
                      fleet.stderr)
        XCTAssertEqual(fleet.stdout, "", "no project ran")

        // Two connections to one endpoint, each with a budget of 4: the server never sees more than 4.
        try start(latency: 100)
        _ = try write("good.key", emulator.key)
        let budget = try runTool(["--key-file", keyFile, "--endpoint", emulator.url, "-e", """
            local a = backups.connect{project = "p03", concurrency = 4}
            local b = backups.connect{project = "p04", concurrency = 4}
            local list = {}
            for i = 1, 40 do list[i] = i end
            local results, errors = task.map(list, function(i) return (i % 2 == 0 and a or b).policies.list().total end, {concurrency = 40})
            print(#results, next(errors))
            """], env: env)
        XCTAssertEqual(budget.stdout, "40\tnil\n", budget.stderr)
        let e = emulator!
        let stats = try e.blocking { try await e.request(.GET, "/emulator/stats", project: "p01") }.json
        XCTAssertEqual(stats["peakInFlight"]?.intValue, 4, "\(stats)")
    }
}
