import BackupsEmulator
import BackupsModels
import BkupJSON
import BkupTestSupport
import Foundation
import GRDB
import XCTest

extension Calendar {
    static var utc: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }
}

final class EmulatorTests: XCTestCase {
    var e: EmulatorHarness!

    override func setUp() async throws {
        e = try await EmulatorHarness.start()
        try await e.seed(databases: 2, buckets: 1, functions: 1)
    }

    override func tearDown() async throws { await e.stop() }

    /// `--latency`: the requests wait all at once (a wait holds no thread: the pool has two), and
    /// every one is answered.
    func testLatencyDelaysEveryRequestTogetherAndAnswersThemAll() async throws {
        let slow = try await EmulatorHarness.start(latency: 300)
        let requests = 8  // the harness's HTTP client keeps 8 connections to a host
        let bodies = (0..<requests).map { policy(String(format: "late-%02d", $0)) }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for body in bodies {
                group.addTask { try await slow.request(.POST, "/backups/policies", body: body).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        let stats = try await slow.stats()
        await slow.stop()
        XCTAssertEqual(statuses, Array(repeating: 201, count: requests))
        XCTAssertEqual(stats["requests"]?.intValue, Int64(requests), "\(stats)")
        XCTAssertEqual(stats["peakInFlight"]?.intValue, Int64(requests), "all \(requests) waited at once: \(stats)")
    }

    func policy(_ id: String, _ extra: [String: JSONValue] = [:]) -> JSONValue {
        var o: [String: JSONValue] = ["policyId": .string(id), "services": ["databases"], "retention": 7, "schedule": "0 2 * * *"]
        for (k, v) in extra { o[k] = v }
        return .object(o)
    }

    func assertError(_ r: EmulatorHarness.Reply, _ status: Int, _ type: String, _ message: String? = nil,
                     file: StaticString = #filePath, line: UInt = #line)
    {
        XCTAssertEqual(r.status, status, r.text, file: file, line: line)
        XCTAssertEqual(r.json["code"], .integer(Int64(status)), file: file, line: line)
        XCTAssertEqual(r.json["type"], .string(type), r.text, file: file, line: line)
        XCTAssertEqual(r.json["version"], "1.9.5", file: file, line: line)
        if let message { XCTAssertTrue(r.json["message"]?.stringValue?.contains(message) == true, r.text, file: file, line: line) }
    }

    func testPolicyEndpoints() async throws {
        let created = try await e.request(.POST, "/backups/policies", body: policy("p1", ["name": "Nightly", "resourceId": "db-0001"]))
        XCTAssertEqual(created.status, 201)
        XCTAssertEqual(created.json["resources"], ["db-0001"])
        XCTAssertEqual(created.json["resourceType"], "database")
        XCTAssertEqual(created.json["enabled"], true)
        XCTAssertEqual(created.json["type"], "full")
        XCTAssertNotNil(WireDate.parse(created.json["$createdAt"]!.stringValue!))
        assertError(try await e.request(.POST, "/backups/policies", body: policy("p1")), 409, "backup_policy_already_exists")
        let unique = try await e.request(.POST, "/backups/policies", body: policy("unique()"))
        XCTAssertEqual(unique.status, 201)
        XCTAssertEqual(unique.json["$id"]?.stringValue?.count, 20)
        let storedName = try await e.request(.GET, "/backups/policies/p1").json["name"]
        XCTAssertEqual(storedName, "Nightly")
        let patched = try await e.request(.PATCH, "/backups/policies/p1", body: ["retention": 30, "enabled": false])
        XCTAssertEqual(patched.status, 200)
        XCTAssertEqual(patched.json["retention"], 30)
        XCTAssertEqual(patched.json["enabled"], false)
        XCTAssertEqual(patched.json["name"], "Nightly", "absent means unchanged")
        let listed = try await e.request(.GET, "/backups/policies")
        XCTAssertEqual(listed.json["total"], 2)
        let deleteStatus = try await e.request(.DELETE, "/backups/policies/p1").status
        XCTAssertEqual(deleteStatus, 204)
        assertError(try await e.request(.GET, "/backups/policies/p1"), 404, "backup_policy_not_found")
        assertError(try await e.request(.PATCH, "/backups/policies/p1", body: ["retention": 3]), 404, "backup_policy_not_found")
        assertError(try await e.request(.DELETE, "/backups/policies/p1"), 404, "backup_policy_not_found")
    }

    func testPolicyValidation() async throws {
        let cases: [(JSONValue, String)] = [
            (policy("-x"), "Invalid `policyId` param"),
            (policy("p", ["services": ["tables"]]), "Unknown service 'tables'"),
            (policy("p", ["retention": 0]), "Invalid `retention` param"),
            (policy("p", ["retention": "7"]), "Invalid `retention` param: Value must be a valid integer"),
            (policy("p", ["schedule": "*/5 22-3 * * *"]), "hour range 22-3 is reversed"),
            (policy("p", ["schedule": "bad expression"]), "Invalid `schedule` param"),
            (policy("p", ["name": .string(String(repeating: "n", count: 129))]), "no longer than 128 chars"),
            (policy("p", ["enabled": "yes"]), "Invalid `enabled` param"),
            (.object(["services": ["databases"], "retention": 7, "schedule": "0 2 * * *"]), #"Param "policyId" is not optional."#),
        ]
        for (body, message) in cases {
            assertError(try await e.request(.POST, "/backups/policies", body: body), 400, "general_argument_invalid", message)
        }
        // A parent resource that does not exist: 404 with that resource's own type, as Appwrite's
        // Databases, Storage and Functions APIs answer.
        assertError(try await e.request(.POST, "/backups/policies", body: policy("p", ["resourceId": "db-9999"])),
                    404, "database_not_found", "'db-9999'")
        assertError(try await e.request(.POST, "/backups/policies", body: policy("p", ["services": ["storage"], "resourceId": "db-0001"])),
                    404, "storage_bucket_not_found")
        assertError(try await e.request(.POST, "/backups/policies", body: policy("p", ["services": ["functions"], "resourceId": "fn-9"])),
                    404, "function_not_found")
        assertError(try await e.request(.POST, "/backups/archives", body: ["services": ["databases"], "resourceId": "db-9999"]),
                    404, "database_not_found")
        assertError(try await e.request(.POST, "/backups/policies", rawBody: "{not json"), 400, "general_argument_invalid", "Invalid JSON body")
        let big = String(repeating: "x", count: 1 << 20 + 10)
        assertError(try await e.request(.POST, "/backups/policies", rawBody: "{\"name\":\"\(big)\"}"), 413, "general_argument_invalid")
        let bucketPolicyType = try await e.request(.POST, "/backups/policies", body: policy("bucket-policy", ["services": ["storage"], "resourceId": "bucket-0001"])).json["resourceType"]
        XCTAssertEqual(bucketPolicyType, "bucket")
    }

    func testArchivesAndRestorationsMoveThroughTheirStatuses() async throws {
        // Only the control API moves this emulator's clock, so the phases are exact.
        await e.stop()
        e = try await EmulatorHarness.start(speed: 1e-9)
        try await e.seed(databases: 2, buckets: 1, functions: 1)
        let a = try await e.request(.POST, "/backups/archives", body: ["services": ["databases"], "resourceId": "db-0001"])
        XCTAssertEqual(a.status, 201)
        XCTAssertEqual(a.json["status"], "pending")
        XCTAssertEqual(a.json["size"], .null)
        XCTAssertEqual(a.json["policyId"], "", "a manual archive: the official SDKs require a string")
        let id = a.json["$id"]!.stringValue!
        assertError(try await e.request(.POST, "/backups/restoration", body: ["archiveId": .string(id), "services": ["databases"]]),
                    400, "general_argument_invalid", "only a completed archive can be restored")
        var seen: [String] = []
        for _ in 0..<5 {
            let r = try await e.request(.GET, "/backups/archives/\(id)")
            seen.append(r.json["status"]!.stringValue!)
            _ = try await e.request(.POST, "/emulator/clock", body: ["advanceSeconds": 1.2])
        }
        XCTAssertEqual(seen, ["pending", "processing", "processing", "uploading", "completed"])
        let done = try await e.request(.GET, "/backups/archives/\(id)")
        XCTAssertNotEqual(done.json["size"], .null)
        XCTAssertNotEqual(done.json["startedAt"], .null)

        let r = try await e.request(.POST, "/backups/restoration", body: ["archiveId": .string(id), "services": ["databases"],
                                                                         "newResourceId": "db-restored", "newResourceName": "Restored"])
        XCTAssertEqual(r.status, 201)
        let rid = r.json["$id"]!.stringValue!
        _ = try await e.request(.POST, "/emulator/clock", body: ["advanceSeconds": 10])
        let restored = try await e.request(.GET, "/backups/restorations/\(rid)")
        XCTAssertEqual(restored.json["status"], "completed")
        XCTAssertEqual(restored.json["options"]?["databases"]?["database"]?.arrayValue?.first?["newId"], "db-restored")
        let dbs = try await e.request(.GET, "/databases" + EmulatorHarness.queryString([Query.equal("$id", "db-restored").description]))
        XCTAssertEqual(dbs.json["databases"]?.arrayValue?.first?["name"], "Restored")
        let restorationCount = try await e.request(.GET, "/backups/restorations").json["total"]
        XCTAssertEqual(restorationCount, 1)
        assertError(try await e.request(.GET, "/backups/restorations/nope"), 404, "backup_restoration_not_found")
        assertError(try await e.request(.POST, "/backups/restoration", body: ["archiveId": "nope", "services": ["databases"]]), 404, "backup_archive_not_found")
        let archiveDeleteStatus = try await e.request(.DELETE, "/backups/archives/\(id)").status
        XCTAssertEqual(archiveDeleteStatus, 204)
        assertError(try await e.request(.GET, "/backups/archives/\(id)"), 404, "backup_archive_not_found")
        let bucketCount = try await e.request(.GET, "/storage/buckets").json["total"]
        XCTAssertEqual(bucketCount, 1)
        let functionCount = try await e.request(.GET, "/functions").json["total"]
        XCTAssertEqual(functionCount, 1)
    }

    func testAuthOnEveryEndpoint() async throws {
        let paths: [(HTTPMethod, String)] = [
            (.GET, "/backups/policies"), (.POST, "/backups/policies"), (.GET, "/backups/policies/x"), (.PATCH, "/backups/policies/x"),
            (.DELETE, "/backups/policies/x"), (.GET, "/backups/archives"), (.POST, "/backups/archives"), (.GET, "/backups/archives/x"),
            (.DELETE, "/backups/archives/x"), (.POST, "/backups/restoration"), (.GET, "/backups/restorations"),
            (.GET, "/backups/restorations/x"), (.GET, "/databases"), (.GET, "/storage/buckets"), (.GET, "/functions"),
            (.POST, "/emulator/clock"), (.POST, "/emulator/reset"),
        ]
        for (method, path) in paths {
            assertError(try await e.request(method, path, body: [:], auth: false), 401, "general_unauthorized_scope")
            assertError(try await e.request(method, path, body: [:], key: "wrong"), 401, "general_unauthorized_scope", "API key is not valid")
            assertError(try await e.request(method, path, body: [:], project: "other"), 404, "project_not_found")
        }
        assertError(try await e.request(.GET, "/backups/nothing"), 404, "general_route_not_found")
        assertError(try await e.request(.PUT, "/backups/policies"), 404, "general_route_not_found")
    }

    func list(_ path: String, _ queries: [Query], indexed: Bool = false) async throws -> EmulatorHarness.Reply {
        try await e.request(.GET, path + EmulatorHarness.queryString(queries.map(\.description), indexed: indexed))
    }

    func ids(_ r: EmulatorHarness.Reply, _ key: String = "policies") -> [String] {
        r.json[key]?.arrayValue?.compactMap { $0["$id"]?.stringValue } ?? []
    }

    func testEveryQueryMethod() async throws {
        for (i, name) in ["alpha nightly", "beta nightly", "gamma weekly", "delta"].enumerated() {
            let extra: [String: JSONValue] = ["name": .string(name), "retention": .integer(Int64(i + 1) * 10),
                                              "enabled": .bool(i % 2 == 0), "resourceId": i < 2 ? "db-0001" : .null]
            let createStatus = try await e.request(.POST, "/backups/policies", body: policy("p\(i)", extra)).status
            XCTAssertEqual(createStatus, 201)
        }
        _ = try await e.request(.POST, "/backups/policies", body: policy("s1", ["services": ["storage"]]))
        func check(_ qs: [Query], _ expected: [String], file: StaticString = #filePath, line: UInt = #line) async throws {
            let r = try await list("/backups/policies", qs + [.orderAsc("$id")])
            XCTAssertEqual(r.status, 200, r.text, file: file, line: line)
            XCTAssertEqual(ids(r), expected, file: file, line: line)
        }
        try await check([.equal("retention", 20)], ["p1"])
        try await check([.equal("retention", [10, 30])], ["p0", "p2"])
        try await check([.notEqual("enabled", true)], ["p1", "p3"])
        try await check([.lessThan("retention", 20)], ["p0", "s1"])
        try await check([.lessThanEqual("retention", 20)], ["p0", "p1", "s1"])
        try await check([.greaterThan("retention", 20)], ["p2", "p3"])
        try await check([.greaterThanEqual("retention", 30)], ["p2", "p3"])
        try await check([.between("retention", 15, 35)], ["p1", "p2"])
        try await check([.isNull("resourceId")], ["p2", "p3", "s1"])
        try await check([.isNotNull("resourceId")], ["p0", "p1"])
        try await check([.startsWith("name", "gam")], ["p2"])
        try await check([.endsWith("name", "nightly")], ["p0", "p1"])
        try await check([.search("name", "eta")], ["p1"])
        try await check([.contains("services", "storage")], ["s1"])
        try await check([.contains("name", "ph")], ["p0"])
        try await check([.or([.equal("retention", 10), .equal("name", "delta")])], ["p0", "p3"])
        try await check([.and([.isNotNull("resourceId"), .equal("enabled", false)])], ["p1"])
        try await check([.limit(2), .offset(1)], ["p1", "p2"])
        let desc = try await list("/backups/policies", [.orderDesc("retention"), .limit(2)])
        XCTAssertEqual(ids(desc), ["p3", "p2"])
        let created = try await e.request(.GET, "/backups/policies/p2").json["$createdAt"]!
        try await check([.greaterThanEqual("$createdAt", created)], ["p2", "p3", "s1"])
        let selected = try await list("/backups/policies", [.select(["name"]), .limit(1)])
        XCTAssertEqual(selected.json["policies"]?.arrayValue?.first?.objectValue?.keys.sorted(), ["$createdAt", "$id", "$updatedAt", "name"])
        let random = try await list("/backups/policies", [.orderRandom()])
        XCTAssertEqual(Set(ids(random)), ["p0", "p1", "p2", "p3", "s1"])
        let indexed = try await list("/backups/policies", [.equal("retention", 20), .limit(5)], indexed: true)
        XCTAssertEqual(ids(indexed), ["p1"], "queries[0]= form")
        // Errors
        assertError(try await list("/backups/policies", [.equal("secret", 1)]), 400, "general_query_invalid", "Attribute not found in schema: secret")
        assertError(try await e.request(.GET, "/backups/policies" + EmulatorHarness.queryString(["{bad"])), 400, "general_query_invalid")
        assertError(try await list("/backups/policies", [.cursorAfter("nope")]), 400, "general_cursor_not_found")
        assertError(try await list("/backups/policies", [.limit(6000)]), 400, "general_query_invalid")
        assertError(try await list("/backups/policies", [.equal("retention", "ten")]), 400, "general_query_invalid")
        assertError(try await e.request(.GET, "/backups/policies" + EmulatorHarness.queryString(Array(repeating: Query.limit(1).description, count: 101))),
                    400, "general_argument_invalid")
    }

    func testCursorPagingThroughAThousandArchives() async throws {
        try await e.seed(archives: 1000)
        for (order, before) in [(Query.orderDesc("$createdAt"), false), (Query.orderAsc("size"), false), (Query.orderDesc("$createdAt"), true)] {
            var seen: [String] = []
            var cursor: String?
            var total: JSONValue?
            if before {
                // Walk backwards from the last record of the order.
                let last = try await list("/backups/archives", [.orderAsc("$createdAt"), .limit(1)])
                cursor = ids(last, "archives").first
                seen = [cursor!]
            }
            while true {
                var qs = [order, Query.limit(64)]
                if let cursor { qs.append(before ? .cursorBefore(cursor) : .cursorAfter(cursor)) }
                let r = try await list("/backups/archives", qs)
                XCTAssertEqual(r.status, 200, r.text)
                total = r.json["total"]
                let page = ids(r, "archives")
                if page.isEmpty { break }
                seen.append(contentsOf: page)
                cursor = before ? page.first : page.last
                if page.count < 64 { break }
            }
            XCTAssertEqual(total, 1000)
            XCTAssertEqual(seen.count, 1000, "\(order)")
            XCTAssertEqual(Set(seen).count, 1000, "no repeats for \(order)")
        }
    }

    func testScheduleAndRetentionOverThirtyDays() async throws {
        let policyStatus = try await e.request(.POST, "/backups/policies", body: policy("daily", ["resourceId": "db-0001"])).status
        XCTAssertEqual(policyStatus, 201)
        try await e.advance(days: 30)
        let r = try await list("/backups/archives", [.orderAsc("$createdAt"), .limit(100)])
        let archives = r.json["archives"]!.arrayValue!
        XCTAssertEqual(archives.count, 7, "exactly the archives of the last 7 days")
        let now = WireDate.parse(try await e.request(.GET, "/emulator/clock").json["now"]!.stringValue!)!
        for a in archives {
            XCTAssertEqual(a["status"], "completed")
            XCTAssertEqual(a["policyId"], "daily")
            let created = WireDate.parse(a["$createdAt"]!.stringValue!)!
            XCTAssertTrue(created.timeIntervalSince1970.truncatingRemainder(dividingBy: 86400) == 7200, "made at 02:00")
            XCTAssertLessThan(now.timeIntervalSince(created), 7 * 86400)
        }
        // Disabled policies fire nothing.
        _ = try await e.request(.PATCH, "/backups/policies/daily", body: ["enabled": false])
        try await e.advance(days: 3)
        let after = try await list("/backups/archives", [.limit(100)])
        XCTAssertEqual(after.json["total"], 4, "retention keeps deleting, nothing new is made")
    }

    /// The scheduler knows the special days of Appwrite's cron grammar.
    func testSpecialDaySchedulesFireOnTheirDays() async throws {
        await e.stop()
        e = try await EmulatorHarness.start(seed: 1, speed: 1e-9)
        for (id, schedule) in [("last-day", "0 0 L * *"), ("third-friday", "0 3 * * 5#3")] {
            let status = try await e.request(.POST, "/backups/policies", body: policy(id, ["schedule": .string(schedule), "retention": 400])).status
            XCTAssertEqual(status, 201)
        }
        try await e.advance(days: 100)
        for (id, check) in [("last-day", { (d: DateComponents) in
            Calendar(identifier: .gregorian).range(of: .day, in: .month, for: Calendar.utc.date(from: d)!)!.count == d.day! && d.hour == 0
        }), ("third-friday", { (d: DateComponents) in d.weekday == 6 && (15...21).contains(d.day!) && d.hour == 3 })] {
            let r = try await list("/backups/archives", [.equal("policyId", .string(id)), .limit(100)])
            let dates = r.json["archives"]!.arrayValue!.map { WireDate.parse($0["$createdAt"]!.stringValue!)! }
            XCTAssertGreaterThanOrEqual(dates.count, 3, id)
            for date in dates { XCTAssertTrue(check(Calendar.utc.dateComponents(in: TimeZone(identifier: "UTC")!, from: date)), "\(id) \(date)") }
        }
    }

    /// A week of a per-minute schedule made in one advance: only what retention keeps exists,
    /// and the server answers afterwards.
    func testALongAdvanceOfAMinutelyScheduleKeepsOnlyWhatRetentionKeeps() async throws {
        await e.stop()
        e = try await EmulatorHarness.start(seed: 1, speed: 1e-9)
        let status = try await e.request(.POST, "/backups/policies", body: policy("minutely", ["schedule": "* * * * *", "retention": 1])).status
        XCTAssertEqual(status, 201)
        try await e.advance(days: 7)
        let r = try await list("/backups/archives", [.equal("policyId", "minutely"), .orderAsc("$createdAt"), .limit(1)])
        XCTAssertTrue((1439...1441).contains(r.json["total"]?.intValue ?? 0), "\(r.json["total"] ?? .null)")
        let oldest = WireDate.parse(r.json["archives"]!.arrayValue![0]["$createdAt"]!.stringValue!)!
        let now = WireDate.parse(try await e.request(.GET, "/emulator/clock").json["now"]!.stringValue!)!
        XCTAssertLessThan(now.timeIntervalSince(oldest), 86400)
        XCTAssertEqual(r.json["archives"]!.arrayValue![0]["status"], "completed")
    }

    func testFailureRateFailsArchives() async throws {
        try await e.faults(["archiveFailureRate": 1.0])
        let a = try await e.request(.POST, "/backups/archives", body: ["services": ["databases"]])
        try await e.advance(days: 0.001)
        let failedStatus = try await e.request(.GET, "/backups/archives/\(a.json["$id"]!.stringValue!)").json["status"]
        XCTAssertEqual(failedStatus, "failed")
    }

    func testStateIsKeptAcrossARestart() async throws {
        let path = NSTemporaryDirectory() + "bkup-emu-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try await EmulatorHarness.start(key: "k", dataPath: path)
        try await first.seed(databases: 1)
        let keptStatus = try await first.request(.POST, "/backups/policies", body: policy("kept")).status
        XCTAssertEqual(keptStatus, 201)
        await first.stop()
        let second = try await EmulatorHarness.start(key: "k", dataPath: path)
        let keptAfterRestart = try await second.request(.GET, "/backups/policies/kept").status
        XCTAssertEqual(keptAfterRestart, 200)
        let databasesAfterRestart = try await second.request(.GET, "/databases").json["total"]
        XCTAssertEqual(databasesAfterRestart, 1)
        await second.stop()
    }

    /// A state file written before projects existed (schema v1) opens with its rows in the
    /// server's project, and the other projects it serves start empty.
    func testAStateFileFromBeforeProjectsIsMigrated() async throws {
        let path = NSTemporaryDirectory() + "bkup-v1-\(UUID().uuidString).sqlite"
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let v1 = try DatabaseQueue(path: path)
        try await v1.write { db in
            try db.execute(sql: """
                CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                INSERT INTO grdb_migrations VALUES ('v1');
                CREATE TABLE policies (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL DEFAULT '',
                  createdAt INTEGER NOT NULL, updatedAt INTEGER NOT NULL, services TEXT NOT NULL, resourceId TEXT, resourceType TEXT,
                  retention INTEGER NOT NULL, schedule TEXT NOT NULL, type TEXT NOT NULL DEFAULT 'full', enabled INTEGER NOT NULL,
                  nextRunAt INTEGER);
                CREATE INDEX policies_created ON policies(createdAt, seq);
                CREATE TABLE archives (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, policyId TEXT, size INTEGER,
                  status TEXT NOT NULL, startedAt INTEGER, migrationId TEXT NOT NULL, services TEXT NOT NULL, resourceId TEXT,
                  resourceType TEXT, createdAt INTEGER NOT NULL, updatedAt INTEGER NOT NULL, willFail INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX archives_created ON archives(createdAt, seq);
                CREATE TABLE restorations (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, archiveId TEXT NOT NULL,
                  policyId TEXT, status TEXT NOT NULL, startedAt INTEGER, migrationId TEXT NOT NULL, services TEXT NOT NULL,
                  options TEXT NOT NULL DEFAULT '{}', newResourceId TEXT, newResourceName TEXT, createdAt INTEGER NOT NULL,
                  updatedAt INTEGER NOT NULL);
                CREATE TABLE resources (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL,
                  type TEXT, enabled INTEGER NOT NULL DEFAULT 1, createdAt INTEGER NOT NULL, updatedAt INTEGER NOT NULL, UNIQUE(kind, id));
                CREATE INDEX resources_created ON resources(kind, createdAt, seq);
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT INTO policies(id, name, createdAt, updatedAt, services, retention, schedule, enabled)
                  VALUES ('old-policy', 'Old', 1700000000000, 1700000000000, '["databases"]', 7, '0 2 * * *', 1);
                INSERT INTO archives(id, policyId, status, migrationId, services, createdAt, updatedAt)
                  VALUES ('old-archive', NULL, 'completed', 'm', '["databases"]', 1700000000000, 1700000000000);
                INSERT INTO resources(kind, id, name, createdAt, updatedAt) VALUES ('databases', 'db-old', 'Old DB', 1700000000000, 1700000000000);
                """)
        }
        try v1.close()
        var config = EmulatorConfiguration(key: "k")
        config.port = 0
        config.dataPath = path
        config.projects = ["main", "second"]
        let server = EmulatorHarness(server: try await EmulatorServer.start(config))
        defer { Task { await server.stop() } }
        let policy = try await server.request(.GET, "/backups/policies/old-policy", project: "main")
        XCTAssertEqual(policy.json["name"], "Old")
        let archive = try await server.request(.GET, "/backups/archives/old-archive", project: "main")
        XCTAssertEqual(archive.json["policyId"], "")
        let databases = try await server.request(.GET, "/databases", project: "main")
        XCTAssertEqual(databases.json["total"], 1)
        let otherProject = try await server.request(.GET, "/backups/policies", project: "second")
        XCTAssertEqual(otherProject.json["total"], 0)
        let notThere = try await server.request(.GET, "/backups/policies/old-policy", project: "second")
        XCTAssertEqual(notThere.status, 404)
    }

    /// Smaller holes: a NUL in a name (refused, not cut off), a clock advance that is a string
    /// (refused, not ignored).
    func testNULsAndWrongTypesAreRefusedNotMangled() async throws {
        assertError(try await e.request(.POST, "/backups/policies", body: policy("nul", ["name": "a\u{0}b"])), 400,
                    "general_argument_invalid", "without NUL characters")
        assertError(try await e.request(.POST, "/emulator/clock", body: ["advanceSeconds": "10"]), 400, "general_argument_invalid",
                    "advanceSeconds")
        assertError(try await e.request(.POST, "/emulator/clock", rawBody: #"{"advanceDays": 1e400}"#), 400, "general_argument_invalid")
    }

    /// A request whose body never finishes does not hold its connection forever.
    func testARequestThatNeverFinishesIsClosed() async throws {
        var config = EmulatorConfiguration(key: "k")
        config.port = 0
        config.idleTimeoutSeconds = 1
        let server = try await EmulatorServer.start(config)
        defer { Task { await server.stop() } }
        let connection = RawHTTPConnection(port: server.port)
        try connection.sendPartial(Array("POST /v1/backups/policies HTTP/1.1\r\nHost: x\r\nX-Appwrite-Project: bkup-local\r\nX-Appwrite-Key: k\r\nContent-Length: 100\r\n\r\n{\"policyId\":".utf8))
        XCTAssertTrue(connection.waitForClose(seconds: 20), "the server closed the stalled request")
        let normal = RawHTTPConnection(port: server.port)
        let reply = try normal.send(Array("GET /v1/backups/policies HTTP/1.1\r\nHost: x\r\nX-Appwrite-Project: bkup-local\r\nX-Appwrite-Key: k\r\nContent-Length: 0\r\n\r\n".utf8))
        XCTAssertEqual(reply.status, 200)
    }
}
