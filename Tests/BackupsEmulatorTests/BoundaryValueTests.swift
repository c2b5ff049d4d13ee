import BackupsEmulator
import BackupsModels
import BkupJSON
import BkupTestSupport
import Foundation
import GRDB
import XCTest

/// Every number a request carries, at every boundary value, over HTTP against a real emulator:
/// in its domain it is taken, out of it it is a 400 that names the parameter, and the server
/// always lives on (the retention overflow of issue #30 killed the process).
final class BoundaryValueTests: XCTestCase {
    var e: EmulatorHarness!

    override func setUp() async throws {
        e = try await EmulatorHarness.start(speed: 1e-9)
        try await e.seed(databases: 2)
    }

    override func tearDown() async throws { await e.stop() }

    func body(_ fields: [String: String]) -> String {
        "{" + fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
    }

    func policyFields(_ id: String) -> [String: String] {
        ["policyId": "\"\(id)\"", "services": #"["databases"]"#, "retention": "7", "schedule": #""0 2 * * *""#]
    }

    func assertRefused(_ r: EmulatorHarness.Reply, _ param: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 400, "\(what): \(r.text)", file: file, line: line)
        XCTAssertEqual(r.json["type"], "general_argument_invalid", "\(what): \(r.text)", file: file, line: line)
        XCTAssertTrue(r.text.contains(param) || r.text.contains("Invalid JSON"), "\(what): \(r.text)", file: file, line: line)
    }

    func assertAlive(file: StaticString = #filePath, line: UInt = #line) async throws {
        let r = try await e.request(.GET, "/backups/policies")
        XCTAssertEqual(r.status, 200, r.text, file: file, line: line)
    }

    func testRetentionOnCreateAndUpdateIsAnInt32OfAtLeastOneDay() async throws {
        let accepted = BoundaryValues.accepted(wholeIn: 1...Int64(Int32.max))
        XCTAssertEqual(accepted, ["2^31-1"])
        let base = try await e.request(.POST, "/backups/policies", body: ["policyId": "base", "services": ["databases"], "retention": 7,
                                                                          "schedule": "0 * * * *"])
        XCTAssertEqual(base.status, 201, base.text)
        for (n, value) in BoundaryValues.all.enumerated() {
            var fields = policyFields("p\(n)")
            fields["retention"] = value.json
            let created = try await e.request(.POST, "/backups/policies", rawBody: body(fields))
            let updated = try await e.request(.PATCH, "/backups/policies/base", rawBody: body(["retention": value.json]))
            if accepted.contains(value.name) {
                XCTAssertEqual(created.status, 201, created.text)
                XCTAssertEqual(created.json["retention"], 2_147_483_647)
                XCTAssertEqual(updated.status, 200, updated.text)
            } else {
                assertRefused(created, "retention", "create with retention \(value.name)")
                assertRefused(updated, "retention", "update with retention \(value.name)")
            }
        }
        // The product that overflowed (retention × 86,400,000 ms) is still reached: the schedules
        // fire and retention is applied as the clock moves on.
        try await e.advance(days: 400)
        let listed = try await e.request(.GET, "/backups/archives")
        XCTAssertEqual(listed.status, 200, listed.text)
        XCTAssertGreaterThan(listed.json["total"]?.intValue ?? 0, 0)
        try await assertAlive()
    }

    /// The requests of the issue, exactly as they were sent.
    func testTheRequestsThatKilledTheEmulatorAreRefusedAndItLivesOn() async throws {
        let created = try await e.request(.POST, "/backups/policies", body: ["policyId": "p", "services": ["databases"], "retention": 7,
                                                                             "schedule": "0 2 * * *"])
        XCTAssertEqual(created.status, 201)
        let patched = try await e.request(.PATCH, "/backups/policies/p", body: ["retention": 1_000_000_000_000])
        assertRefused(patched, "retention", "PATCH retention 1e12")
        XCTAssertTrue(patched.text.contains("from 1 to 2147483647"), patched.text)
        let big = try await e.request(.POST, "/backups/policies", body: ["policyId": "q", "services": ["databases"], "retention": 2_147_483_648,
                                                                         "schedule": "0 2 * * *"])
        assertRefused(big, "retention", "create retention 2^31")
        let stored = try await e.request(.GET, "/backups/policies/p")
        XCTAssertEqual(stored.json["retention"], 7, "a refused update changes nothing")
        try await assertAlive()
    }

    /// A state saved by an earlier version, with a retention no request can set now and a clock
    /// past the end: it opens, the retention reads as the int32 that keeps as long, and the clock
    /// moves without an overflow.
    func testAStateWithAnOutOfRangeRetentionOpensAndRuns() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("retention-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try await EmulatorHarness.start(key: "k", dataPath: path, seed: 1)
        let made = try await first.request(.POST, "/backups/policies", body: ["policyId": "huge", "services": ["databases"], "retention": 7,
                                                                              "schedule": "* * * * *"])
        XCTAssertEqual(made.status, 201, made.text)
        await first.stop()
        // The stopped server's connections may close a moment after `stop()` returns.
        var patient = Configuration()
        patient.busyMode = .timeout(10)
        let db = try DatabaseQueue(path: path, configuration: patient)
        try await db.write { db in
            try db.execute(sql: "UPDATE policies SET retention = 1000000000000, nextRunAt = 0")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE 'v3%'")
        }
        try db.close()
        let again = try await EmulatorHarness.start(key: "k", dataPath: path, speed: 1e-9)
        defer { Task { await again.stop() } }
        let policy = try await again.request(.GET, "/backups/policies/huge")
        XCTAssertEqual(policy.json["retention"], 2_147_483_647, policy.text)
        try await again.advance(days: 3)
        let archives = try await again.request(.GET, "/backups/archives")
        XCTAssertEqual(archives.status, 200, archives.text)
        XCTAssertGreaterThan(archives.json["total"]?.intValue ?? 0, 0, "the schedule fired")
    }

    /// Nulls as Appwrite's published API declares each parameter (see Tests/Conformance/spec).
    func testNullsAreTakenOnlyWhereThePublishedAPIAllowsThem() async throws {
        for field in ["name", "enabled", "policyId", "services", "retention", "schedule"] {
            var fields = policyFields("n-\(field)")
            fields[field] = "null"
            assertRefused(try await e.request(.POST, "/backups/policies", rawBody: body(fields)), field, "create with \(field) null")
        }
        var nullResource = policyFields("null-resource")
        nullResource["resourceId"] = "null"
        let project = try await e.request(.POST, "/backups/policies", rawBody: body(nullResource))
        XCTAssertEqual(project.status, 201, project.text)
        XCTAssertEqual(project.json["resourceId"], .null)
        assertRefused(try await e.request(.PATCH, "/backups/policies/null-resource", rawBody: #"{"schedule":null}"#), "schedule", "update schedule null")
        let unchanged = try await e.request(.PATCH, "/backups/policies/null-resource", rawBody: #"{"name":null,"retention":null,"enabled":null}"#)
        XCTAssertEqual(unchanged.status, 200, unchanged.text)
        XCTAssertEqual(unchanged.json["retention"], 7)
        XCTAssertEqual(unchanged.json["enabled"], true)
        let archive = try await e.request(.POST, "/backups/archives", rawBody: #"{"services":["databases"],"resourceId":null}"#)
        XCTAssertEqual(archive.status, 201, archive.text)
        assertRefused(try await e.request(.POST, "/backups/archives", rawBody: #"{"services":null}"#), "services", "archive services null")
        for field in ["newResourceId", "newResourceName"] {
            let r = try await e.request(.POST, "/backups/restoration", rawBody: #"{"archiveId":"a","services":["databases"],"\#(field)":null}"#)
            assertRefused(r, field, "restoration \(field) null")
        }
    }

    /// `newResourceId: ""` is the published API's default: a restore in place, as leaving it out is.
    func testAnEmptyNewResourceIdRestoresInPlace() async throws {
        try await e.seed(archives: 1)
        try await e.seed(archives: 2)  // a second seed adds (it answered 500 on a repeated ID)
        let archives = try await e.request(.GET, "/backups/archives")
        XCTAssertEqual(archives.json["total"], 3)
        guard let archive = archives.json["archives"]?.arrayValue?.first, let id = archive["$id"]?.stringValue else {
            return XCTFail(archives.text)
        }
        let r = try await e.request(.POST, "/backups/restoration",
                                    body: ["archiveId": .string(id), "services": ["databases"], "newResourceId": "", "newResourceName": ""])
        XCTAssertEqual(r.status, 201, r.text)
        let destination = r.json["options"]?["databases"]?["database"]?.arrayValue?.first
        XCTAssertEqual(destination?["newId"], archive["resourceId"], r.text)
        XCTAssertEqual(destination?["oldId"], archive["resourceId"], r.text)
    }

    func testTheClockSeedsAndFaultsTakeOnlyTheirDomains() async throws {
        let seconds = BoundaryValues.accepted(finiteIn: 0...3_155_760_000)
        XCTAssertEqual(seconds, ["0", "2^31-1", "2^31", "-0", "1.5"])
        let counts = BoundaryValues.accepted(wholeIn: 0...1_000_000)
        let delays = BoundaryValues.accepted(wholeIn: 0...600_000)
        for value in BoundaryValues.all {
            let advanced = try await e.request(.POST, "/emulator/clock", rawBody: body(["advanceSeconds": value.json]))
            if seconds.contains(value.name) { XCTAssertEqual(advanced.status, 200, advanced.text) } else {
                assertRefused(advanced, "advanceSeconds", "advanceSeconds \(value.name)")
            }
            let days = try await e.request(.POST, "/emulator/clock", rawBody: body(["advanceDays": value.json]))
            if ["0", "-0", "1.5"].contains(value.name) { XCTAssertEqual(days.status, 200, days.text) } else {
                assertRefused(days, "advanceDays", "advanceDays \(value.name)")
            }
            let seeded = try await e.request(.POST, "/emulator/seed", rawBody: body(["buckets": value.json]))
            if counts.contains(value.name) { XCTAssertEqual(seeded.status, 201, seeded.text) } else {
                assertRefused(seeded, "buckets", "seed \(value.name)")
            }
            let delayed = try await e.request(.POST, "/emulator/faults", rawBody: #"{"next":[{"delayMs":\#(value.json)}]}"#)
            if delays.contains(value.name) { XCTAssertEqual(delayed.status, 204, delayed.text) } else {
                assertRefused(delayed, "delayMs", "delayMs \(value.name)")
            }
            let rate = try await e.request(.POST, "/emulator/faults", rawBody: body(["archiveFailureRate": value.json]))
            if ["0", "-0"].contains(value.name) { XCTAssertEqual(rate.status, 204, rate.text) } else {
                assertRefused(rate, "archiveFailureRate", "archiveFailureRate \(value.name)")
            }
            try await e.faults(["clear": true])
        }
        // The clock ends at the last instant a wire date can say, and says so.
        var last = try await e.request(.POST, "/emulator/clock", body: ["advanceSeconds": 3_155_760_000])
        while last.status == 200 { last = try await e.request(.POST, "/emulator/clock", body: ["advanceSeconds": 3_155_760_000]) }
        assertRefused(last, "advanceSeconds", "advancing past the end of the clock")
        XCTAssertTrue(last.text.contains("9999-12-31"), last.text)
        try await assertAlive()
    }

    func testQueryNumbersAndIndexesTakeOnlyTheirDomains() async throws {
        let limits = BoundaryValues.accepted(wholeIn: 0...5000)
        let offsets = BoundaryValues.accepted(wholeIn: 0...Int64(Int32.max))
        for value in BoundaryValues.all {
            let limit = try await e.request(.GET, "/backups/policies" + EmulatorHarness.queryString([#"{"method":"limit","values":[\#(value.json)]}"#]))
            if limits.contains(value.name) { XCTAssertEqual(limit.status, 200, limit.text) } else {
                XCTAssertEqual(limit.status, 400, "limit \(value.name): \(limit.text)")
                XCTAssertEqual(limit.json["type"], "general_query_invalid", limit.text)
            }
            let offset = try await e.request(.GET, "/backups/archives" + EmulatorHarness.queryString([#"{"method":"offset","values":[\#(value.json)]}"#]))
            if offsets.contains(value.name) { XCTAssertEqual(offset.status, 200, offset.text) } else {
                XCTAssertEqual(offset.status, 400, "offset \(value.name): \(offset.text)")
            }
            let index = try await e.request(.GET, "/backups/policies?queries%5B\(value.flag)%5D=" + #"%7B%22method%22%3A%22limit%22%2C%22values%22%3A%5B1%5D%7D"#)
            if offsets.contains(value.name) { XCTAssertEqual(index.status, 200, index.text) } else {
                assertRefused(index, "queries", "queries[\(value.flag)]")
            }
        }
        try await assertAlive()
    }
}
