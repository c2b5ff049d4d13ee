import BackupsEmulator
import BackupsModels
import BkupJSON
import BkupTestSupport
import Foundation
import GRDB
import XCTest

/// What the emulator's fast paths must not change: writes that share a commit answer alone and
/// fail alone, a lowered retention applies at once to its own policy only, lists count to 5,000.
final class WritePathTests: XCTestCase {
    func policy(_ id: String, retention: Int = 7, resource: String? = nil) -> JSONValue {
        var o: [String: JSONValue] = ["policyId": .string(id), "services": ["databases"], "retention": .integer(Int64(retention)),
                                      "schedule": "0 2 * * *"]
        if let resource { o["resourceId"] = .string(resource) }
        return .object(o)
    }

    /// 96 writes at once, on a file with full durability (where commits take longest, so that
    /// writes pile up into shared commits): every one gets its own answer, a failure rolls back
    /// only itself, and every acknowledged write is there after a restart.
    func testWritesSharingACommitAnswerAndFailAlone() async throws {
        let path = NSTemporaryDirectory() + "bkup-batch-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let e = try await EmulatorHarness.start(key: "batch-key-0123456789", dataPath: path)
        // 32 IDs created twice each (one 201 and one 409 per ID), 32 updates of policies that
        // do not exist (404), all at once.
        let replies = try await withThrowingTaskGroup(of: (String, Int).self) { group in
            for i in 0..<32 {
                let body = policy("p\(i)")
                for _ in 0..<2 {
                    group.addTask { ("create p\(i)", try await e.request(.POST, "/backups/policies", body: body).status) }
                }
                group.addTask { ("update none\(i)", try await e.request(.PATCH, "/backups/policies/none\(i)", body: ["retention": 9]).status) }
            }
            var all: [(String, Int)] = []
            for try await r in group { all.append(r) }
            return all
        }
        for i in 0..<32 {
            let statuses = replies.filter { $0.0 == "create p\(i)" }.map(\.1).sorted()
            XCTAssertEqual(statuses, [201, 409], "p\(i)")
        }
        XCTAssertEqual(replies.filter { $0.0.hasPrefix("update") }.map(\.1), Array(repeating: 404, count: 32))
        let stats = try await e.stats()
        XCTAssertEqual(stats["committedWrites"], 96, "every write went through a commit")
        await e.stop()
        let restarted = try await EmulatorHarness.start(key: "batch-key-0123456789", dataPath: path)
        let stored = try await restarted.request(.GET, "/backups/policies" + EmulatorHarness.queryString([Query.limit(100).description]))
        XCTAssertEqual(stored.json["total"], 32)
        XCTAssertEqual(Set(stored.json["policies"]!.arrayValue!.compactMap { $0["$id"]?.stringValue }),
                       Set((0..<32).map { "p\($0)" }))
        await restarted.stop()
    }

    /// Lowering a policy's retention deletes its archives past the new retention at once (not at
    /// the next tick of everything), and leaves other policies' archives alone.
    func testLoweringRetentionExpiresThatPolicysArchivesAtOnce() async throws {
        let e = try await EmulatorHarness.start(seed: 2, speed: 1e-9)
        defer { Task { await e.stop() } }
        for (id, db) in [("short", "db-0001"), ("long", "db-0002")] {
            let status = try await e.request(.POST, "/backups/policies", body: policy(id, retention: 30, resource: db)).status
            XCTAssertEqual(status, 201)
        }
        try await e.advance(days: 10)
        func count(_ policyId: String) async throws -> Int64? {
            try await e.request(.GET, "/backups/archives" + EmulatorHarness.queryString([Query.equal("policyId", .string(policyId)).description]))
                .json["total"]?.intValue
        }
        let before = try await count("short")
        XCTAssertEqual(before, 10)
        let patched = try await e.request(.PATCH, "/backups/policies/short", body: ["retention": 3])
        XCTAssertEqual(patched.status, 200)
        let after = try await count("short")
        XCTAssertEqual(after, 3, "the archives of the last 3 days")
        let untouched = try await count("long")
        XCTAssertEqual(untouched, 10)
    }

    /// `total` counts up to 5,000, as Appwrite's does, and exactly below that.
    func testTotalsCountExactlyUpToFiveThousand() async throws {
        let e = try await EmulatorHarness.start(speed: 1e-9)
        defer { Task { await e.stop() } }
        try await e.seed(archives: 5003)  // statuses cycle completed, completed, completed, failed
        let all = try await e.request(.GET, "/backups/archives")
        XCTAssertEqual(all.json["total"], 5000)
        let failed = try await e.request(.GET, "/backups/archives" + EmulatorHarness.queryString([Query.equal("status", "failed").description]))
        XCTAssertEqual(failed.json["total"], 1250)
        let completed = try await e.request(.GET, "/backups/archives" + EmulatorHarness.queryString([Query.equal("status", "completed").description]))
        XCTAssertEqual(completed.json["total"], 3753)
    }

    /// Records read their rows by position: a state file whose columns are not in the order the
    /// emulator reads them is refused when it opens, naming the table, rather than served with
    /// fields from the wrong columns.
    func testAStateFileWithColumnsOutOfOrderIsRefusedAtStart() async throws {
        let path = NSTemporaryDirectory() + "bkup-columns-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let first = try await EmulatorHarness.start(key: "k", dataPath: path)
        let created = try await first.request(.POST, "/backups/policies", body: policy("kept")).status
        XCTAssertEqual(created, 201)
        await first.stop()
        // The stopped server's connections may close a moment after `stop()` returns.
        var patient = Configuration()
        patient.busyMode = .timeout(10)
        let edited = try DatabaseQueue(path: path, configuration: patient)
        try await edited.write { db in
            // `name` moves to the end of the table; every row keeps its value.
            try db.execute(sql: """
                ALTER TABLE policies RENAME COLUMN name TO oldName;
                ALTER TABLE policies ADD COLUMN name TEXT NOT NULL DEFAULT '';
                UPDATE policies SET name = oldName;
                ALTER TABLE policies DROP COLUMN oldName;
                """)
        }
        try edited.close()
        var config = EmulatorConfiguration(key: "k")
        config.port = 0
        config.dataPath = path
        do {
            let server = try await EmulatorServer.start(config)
            await server.stop()
            XCTFail("a state file with its columns out of order was opened")
        } catch {
            XCTAssertTrue("\(error)".hasPrefix("\(path): table policies has the columns seq, project, id, createdAt,"), "\(error)")
            XCTAssertTrue("\(error)".contains("this bkup reads seq, project, id, name, createdAt,"), "\(error)")
        }
    }
}
