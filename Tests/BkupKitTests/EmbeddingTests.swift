import BkupJSON
import BkupKit
import BkupTestSupport
import Foundation
import XCTest

/// The embedding API as an ops tool meets it: one way to register sync and async functions,
/// Lua's own argument rules and errors for both, Codable values across, typed errors back in
/// Swift, a configuration that says what it needs, and all of standard output in `output`.
final class EmbeddingTests: XCTestCase {
    var emulator: EmulatorHarness!
    let printedLines = PrintedLines()

    override func setUpWithError() throws {
        emulator = try EmulatorHarness.startBlocking(seed: 2)
    }

    override func tearDownWithError() throws {
        let e = emulator!
        try e.blocking { await e.stop() }
    }

    func host(_ adjust: (inout HostConfiguration) -> Void = { _ in }) throws -> BkupHost {
        var c = HostConfiguration.testing(emulator)
        adjust(&c)
        let h = try BkupHost(configuration: c)
        h.notice = { _ in }
        h.output = printedLines.append
        return h
    }

    struct Owner: Codable, Sendable, Equatable {
        var name: String
        var team: String
        var since: Date?
        var tags: [String]
    }

    enum DirectoryError: Error { case offline }

    func testSyncAndAsyncFunctionsShareOneModuleAndAClashIsAnError() throws {
        let h = try host()
        let notified = PrintedLines()
        try h.register(module: "ops") { ops in
            ops.function("notify") { args in notified.append(try args.string(1)) }
            ops.function("lookupOwner") { args async throws -> Owner in
                try await Task.sleep(nanoseconds: 1_000_000)
                return Owner(name: "ana", team: "sre-\(try args.string(1))", since: nil, tags: [])
            }
        }
        // A second registration adds to the module; a name it has already is refused, whole.
        try h.register(module: "ops") { ops in ops.function("page") { _ in "paged" } }
        XCTAssertThrowsError(try h.register(module: "ops") { ops in
            ops.function("escalate") { _ in }
            ops.function("notify") { _ in }
        }) { error in
            XCTAssertTrue(error is RegistrationError)
            XCTAssertEqual("\(error)", "ops.notify exists already (a function): a function is not replaced; give it another name")
        }
        XCTAssertThrowsError(try h.register(module: "ops") { ops in
            ops.function("twice") { _ in }
            ops.function("twice") { _ in }
        }) { XCTAssertEqual("\($0)", "ops.twice is given twice") }
        XCTAssertThrowsError(try h.register("print") { _ in }) { XCTAssertTrue("\($0)".hasPrefix("a global named 'print' exists already")) }
        XCTAssertThrowsError(try h.register(module: "print") { ops in ops.function("x") { _ in } }) {
            XCTAssertTrue("\($0)".hasPrefix("a global named 'print' exists already (a function)"), "\($0)")
        }
        // Into one of the host's own modules, beside its functions.
        try h.register(module: "backups") { b in b.function("ticketPrefix") { _ in "OPS" } }

        let r = try h.run(string: """
            ops.notify("deploy started")
            local owner = ops.lookupOwner("db-1")
            local same = require("ops") == ops
            return owner.name, owner.team, ops.page(), same, ops.escalate, backups.ticketPrefix(), type(backups.policies.list)
            """)
        XCTAssertEqual(r, ["ana", "sre-db-1", "paged", true, .null, "OPS", "function"])
        XCTAssertEqual(notified.all, ["deploy started"])
    }

    func testArgumentsFollowLauxlibAndReadTheSameSyncOrAsync() throws {
        let script = """
            local function try(f, ...)
              local ok, v = pcall(f, ...)
              return ok and v or ("error: " .. tostring(v))
            end
            return {
              m.s(42), m.s(3.5), m.s(1e100), m.s(2^53), m.i("42"), m.i(" 0x10 "), m.i("3.0"), m.i(7.0), m.n("2.5"),
              try(m.i, 3.5), try(m.i, "3.5"), try(m.i, {}), try(m.s, {}), try(m.s), try(m.n, "x"), try(m.s, json.null),
              select(2, pcall(function() m.s({}) end)),
              -- where a call cannot yield (a coroutine of the script's own), it waits in place
              coroutine.wrap(function() return m.i("5") end)(),
              select(2, pcall(function() string.rep({}) end)),
            }
            """
        var rows: [JSONValue] = []
        for async in [false, true] {
            let h = try host()
            try h.register(module: "m") { m in
                if async {
                    m.function("s") { args async throws in try args.string(1) }
                    m.function("i") { args async throws in try args.integer(1) }
                    m.function("n") { args async throws in try args.number(1) }
                } else {
                    m.function("s") { args in try args.string(1) }
                    m.function("i") { args in try args.integer(1) }
                    m.function("n") { args in try args.number(1) }
                }
            }
            rows.append(try h.run(string: script).first ?? .null)
        }
        XCTAssertEqual(rows[0], rows[1], "sync and async functions read arguments alike")
        XCTAssertEqual(rows[0], [
            "42", "3.5", "1e+100", "9.007199254741e+15", 42, 16, 3, 7, 2.5,
            "error: bad argument #1 to 'm.i' (number has no integer representation)",
            "error: bad argument #1 to 'm.i' (number has no integer representation)",
            "error: bad argument #1 to 'm.i' (number expected, got table)",
            "error: bad argument #1 to 'm.s' (string expected, got table)",
            "error: bad argument #1 to 'm.s' (string expected, got no value)",
            "error: bad argument #1 to 'm.n' (number expected, got string)",
            "error: bad argument #1 to 'm.s' (string expected, got json.null)",
            "(string):8: bad argument #1 to 's' (string expected, got table)",
            5,
            // Lua's own function, for the same mistake: the same shape
            "(string):11: bad argument #1 to 'rep' (string expected, got table)",
        ])
    }

    func testCodableValuesCrossBothWays() throws {
        let h = try host()
        try h.register(module: "ops") { ops in
            ops.function("owner") { args in
                Owner(name: try args.string(1), team: "sre", since: Date(timeIntervalSince1970: 1_700_000_000), tags: ["oncall"])
            }
            ops.function("describe") { args in
                let owner = try args.decode(Owner.self, 1)
                return "\(owner.name)/\(owner.team)/\(owner.tags.count)/\(owner.since.map { Int($0.timeIntervalSince1970) } ?? 0)"
            }
            ops.function("policyID") { args async throws in try args.decode(BackupPolicy.self, 1).id }
            ops.function("renamed") { args async throws -> BackupPolicy in
                var policy = try args.decode(BackupPolicy.self, 1)
                policy.name = "renamed"
                return policy
            }
            ops.function("find") { args in try args.string(1) == "ana" ? LuaResults("found") : LuaResults(nil, "no such owner") }
        }
        let r = try h.run(string: """
            local o = ops.owner("ana")
            local described = ops.describe(o)
            local p = backups.policies.create{id = "nightly", services = {"databases"}, retention = 7, schedule = "@daily"}
            local renamed = ops.renamed(p)
            local v, missing = ops.find("bob")
            local ok, bad = pcall(ops.describe, {name = "ana", team = 7, tags = {}})
            local ok2, bad2 = pcall(ops.describe, {name = "ana", team = "x", tags = {1}})
            return o.team, o.since, #o.tags, described, ops.policyID(p), renamed.id, renamed["$id"], renamed.name,
                   getmetatable(renamed) == getmetatable(p), v, missing, ops.find("ana"), bad, bad2
            """)
        XCTAssertEqual(r, [
            "sre", "2023-11-14T22:13:20.000+00:00", 1, "ana/sre/1/1700000000", "nightly", "nightly", "nightly", "renamed", true,
            .null, "no such owner", "found",
            "bad argument #1 to 'ops.describe' (field 'team': string expected, got number)",
            "bad argument #1 to 'ops.describe' (field 'tags[1]': string expected, got number)",
        ])
    }

    func testTypedErrorsComeBackToSwift() throws {
        let h = try host()
        try h.register(module: "ops") { ops in
            ops.function("lookupOwner") { args async throws -> String in
                throw BackupsError(code: 404, type: "owner_unknown", message: "no owner for \(try args.string(1))")
            }
            ops.function("directory") { _ in throw DirectoryError.offline }
        }
        let caught = try h.run(string: """
            local ok, e = pcall(ops.lookupOwner, "db-9")
            local ok2, e2 = pcall(ops.directory)
            return e.type, e.code, e.message, tostring(e), e2.type, e2.message
            """)
        XCTAssertEqual(caught, ["owner_unknown", 404, "no owner for db-9", "owner_unknown (404): no owner for db-9", "host_error",
                                "ops.directory: offline"])

        XCTAssertThrowsError(try h.run(string: "ops.lookupOwner('db-9')")) { error in
            let e = error as? LuaError
            XCTAssertEqual(e?.backupsError?.type, "owner_unknown")
            XCTAssertEqual(e?.backupsError?.code, 404)
            XCTAssertEqual(e?.backupsError?.message, "no owner for db-9")
            XCTAssertEqual((e?.underlyingError as? BackupsError)?.type, "owner_unknown")
        }
        XCTAssertThrowsError(try h.run(string: "ops.directory()")) { error in
            XCTAssertEqual((error as? LuaError)?.backupsError?.type, "host_error")
            XCTAssertTrue((error as? LuaError)?.underlyingError is DirectoryError, "the Swift error, as thrown")
        }
        // The service's own errors, and the missing scope the service names.
        XCTAssertThrowsError(try h.run(string: "backups.policies.get('missing')")) { error in
            let e = (error as? LuaError)?.backupsError
            XCTAssertEqual(e?.code, 404)
            XCTAssertEqual(e?.type, "backup_policy_not_found")
            XCTAssertNil((error as? LuaError)?.underlyingError, "not thrown by a host function")
        }
        let reader = try EmulatorHarness.startBlocking(grants: ["reader-secret-key:policies.read"])
        defer { try? reader.blocking { await reader.stop() } }
        var c = HostConfiguration.testing(reader)
        c.apiKey = APIKey("reader-secret-key")
        let limited = try BkupHost(configuration: c)
        XCTAssertThrowsError(try limited.run(string: "backups.archives.list()")) { error in
            XCTAssertEqual((error as? LuaError)?.backupsError?.missingScope, "archives.read")
        }
    }

    func testTheConfigurationSaysWhatItNeeds() throws {
        let dir = NSTemporaryDirectory() + "bkup-keys-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try (emulator.key + "\n").write(toFile: dir + "/key", atomically: true, encoding: .utf8)
        try "first-line-of-a-key\nsecond".write(toFile: dir + "/two-lines", atomically: true, encoding: .utf8)

        // A key file alone is read.
        let fromFile = try BkupHost(configuration: HostConfiguration(endpoint: emulator.url, project: emulator.project, keyFile: dir + "/key"))
        XCTAssertEqual(try fromFile.run(string: "return backups.policies.list().total"), [0])

        func refusal(_ c: HostConfiguration) -> String {
            do {
                _ = try BkupHost(configuration: c)
                return "accepted"
            } catch let error as HostConfigurationError {
                return "\(error)"
            } catch {
                return "other: \(error)"
            }
        }
        var c = HostConfiguration(endpoint: emulator.url, project: emulator.project, keyFile: dir + "/missing")
        XCTAssertEqual(refusal(c), "keyFile: cannot read the key file \(dir)/missing")
        c.keyFile = dir + "/two-lines"
        XCTAssertEqual(refusal(c), "keyFile: the API key has a line break at byte 20 of 26, which cannot be sent in a header"
                       + " (a key file must hold the key alone)")
        c = HostConfiguration(endpoint: "127.0.0.1:8080/v1", project: "p", apiKey: APIKey("k"))
        XCTAssertEqual(refusal(c), "endpoint: '127.0.0.1:8080/v1' has no scheme: write http://127.0.0.1:8080/v1 (or https://127.0.0.1:8080/v1)")
        c = HostConfiguration()
        c.limits.maxMemory = 4096
        XCTAssertTrue(refusal(c).hasPrefix("limits.maxMemory: 4096 bytes: "), refusal(c))
        c.limits = RunLimits(timeout: .nan)
        XCTAssertTrue(refusal(c).hasPrefix("limits.timeout: "), refusal(c))

        // Messages name the host's settings, not bkup's flags; the command line gives its own.
        let noKey = try BkupHost(configuration: HostConfiguration(endpoint: emulator.url, project: emulator.project))
        XCTAssertThrowsError(try noKey.run(string: "backups.policies.list()")) { error in
            XCTAssertEqual((error as? LuaError)?.backupsError?.message, "no API key: set the configuration's apiKey or keyFile")
        }
        for (names, suffix) in [(SettingNames(), ""), (SettingNames.commandLine, " (--timeout)")] {
            var limited = HostConfiguration()
            limited.limits.timeout = 0.2
            limited.settingNames = names
            let h = try BkupHost(configuration: limited)
            XCTAssertThrowsError(try h.run(string: "while true do end")) { error in
                XCTAssertEqual((error as? LuaError)?.message, "time limit exceeded: the script ran past its deadline of 0.2 s" + suffix)
            }
        }
    }

    func testOutputReceivesEverythingTheScriptWritesToStandardOutput() throws {
        let h = try host()
        try h.run(string: """
            io.write("a", "b\\n")
            io.stdout:write("c\\n", 42, "\\n")
            print("d")
            io.write("x") print("y")
            io.output():write("e\\nf")
            io.write("\(emulator.key.prefix(6))") io.write("\(emulator.key.dropFirst(6))", "\\n")
            io.write("unended")
            """)
        XCTAssertEqual(printedLines.all, ["ab", "c", "42", "d", "xy", "e", "f<redacted>", "unended"])
        printedLines.removeAll()
        // Asked otherwise, only print reaches it.
        h.outputIncludesIO = false
        try h.run(string: "print('p') io.write('(io.write leaves on the process\\'s standard output)\\n')")
        XCTAssertEqual(printedLines.all, ["p"])
    }
}
