import BackupsClient
import BackupsModels
import BkupJSON
import BkupTestSupport
import Foundation
import Logging
import Synchronization
import XCTest

final class ClientTests: XCTestCase {
    var emulator: EmulatorHarness!
    var client: BackupsClient!

    override func setUp() async throws {
        emulator = try await EmulatorHarness.start(key: "sk_live_SECRET_\(UUID().uuidString)")
        try await emulator.seed(databases: 3)
        client = try makeClient()
    }

    override func tearDown() async throws {
        try await client.shutdown()
        await emulator.stop()
    }

    func makeClient(retry: RetryPolicy? = nil, timeout: Double = 30, key: String? = nil) throws -> BackupsClient {
        var c = ClientConfiguration(endpoint: emulator.url, project: emulator.project, apiKey: key ?? emulator.key)
        var r = retry ?? RetryPolicy()
        if retry == nil { r.baseDelay = 0.01 }
        c.retry = r
        c.requestTimeout = timeout
        return try BackupsClient(configuration: c)
    }

    func requests() async throws -> Int64 { try await emulator.stats()["requests"]!.intValue! }

    func newPolicy(_ id: String) -> BackupsRequest.NewPolicy {
        .init(id: id, name: "Nightly \(id)", services: ["databases"], resourceId: "db-0001", retention: 7, schedule: "0 2 * * *")
    }

    /// A Swift embedder gets dry runs from the client itself: mutations are planned, reads sent,
    /// and the plan is applied later by `PlanApplier`.
    func testAClientWithAPlannerPlansAndAnApplierApplies() async throws {
        let direct = try makeClient()
        _ = try await direct.createPolicy(newPolicy("p1"))
        var c = ClientConfiguration(endpoint: emulator.url, project: emulator.project, apiKey: emulator.key)
        c.planner = Planner()
        let dry = try BackupsClient(configuration: c)
        let sent = try await requests()
        let updated = try await dry.updatePolicy("p1", .init(retention: 9))
        XCTAssertEqual(updated.retention, 9)
        let made = try await dry.createPolicy(newPolicy("p2"))
        let readBack = try await dry.getPolicy("p2")
        XCTAssertEqual(readBack.id, made.id, "a planned record reads back")
        try await dry.deletePolicy("p1")
        do {
            _ = try await dry.getPolicy("p1")
            XCTFail("deleted in the plan")
        } catch { XCTAssertEqual(error.code, 404) }
        let plan = c.planner!.plan()
        XCTAssertEqual(plan.steps.map { "\($0.operation.rawValue) \($0.id ?? "")" }, ["create p2", "delete p1"], "the update folded into the delete")
        let sentNow = try await requests()
        let stored = try await direct.getPolicy("p1")
        XCTAssertEqual(stored.retention, 7, "nothing was changed")
        let count = try await direct.listPolicies().total
        XCTAssertEqual(count, 1)
        // Only reads were sent: the service's clock (for the plan's time), p1 (to update it), p2
        // (is its ID free?); the delete of p1 rests on what the update read.
        XCTAssertEqual(sentNow - sent, 3)

        let results = await PlanApplier(plan: plan, clients: [dry.planTarget: direct]).apply()
        XCTAssertEqual(results.map(\.outcome), [.applied, .applied])
        let left = try await direct.listPolicies().items.map(\.id)
        XCTAssertEqual(left, ["p2"])
        let again = await PlanApplier(plan: plan, clients: [dry.planTarget: direct]).apply()
        XCTAssertEqual(again.map(\.outcome), [.alreadyApplied("already exists as planned"), .alreadyApplied("already gone")])
    }

    func testAllEndpointsTyped() async throws {
        let created = try await client.createPolicy(newPolicy("nightly-1"))
        XCTAssertEqual(created.id, "nightly-1")
        XCTAssertEqual(created.resourceType, "database")
        let storedSchedule = try await client.getPolicy("nightly-1").schedule
        XCTAssertEqual(storedSchedule, "0 2 * * *")
        let updated = try await client.updatePolicy("nightly-1", .init(retention: 30, enabled: false))
        XCTAssertEqual(updated.retention, 30)
        XCTAssertFalse(updated.enabled)
        let matchingPolicies = try await client.listPolicies([.equal("retention", 30)]).total
        XCTAssertEqual(matchingPolicies, 1)
        let archive = try await client.createArchive(services: ["databases"], resourceId: "db-0002")
        XCTAssertEqual(archive.status, .pending)
        XCTAssertNil(archive.size)
        let clock = try await emulator.request(.POST, "/emulator/clock", body: ["advanceSeconds": 10])
        XCTAssertEqual(clock.status, 200)
        let done = try await client.getArchive(archive.id)
        XCTAssertEqual(done.status, .completed)
        XCTAssertNotNil(done.size)
        XCTAssertNotNil(done.startedAt)
        let restoration = try await client.createRestoration(archiveId: archive.id, services: ["databases"],
                                                              newResourceId: "db-copy", newResourceName: "Copy")
        let restoredArchive = try await client.getRestoration(restoration.id).archiveId
        XCTAssertEqual(restoredArchive, archive.id)
        let restorationCount = try await client.listRestorations().total
        XCTAssertEqual(restorationCount, 1)
        let databaseCount = try await client.listResources(.databases).total
        XCTAssertEqual(databaseCount, 3)
        try await client.deleteArchive(archive.id)
        try await client.deletePolicy("nightly-1")
        do {
            _ = try await client.getPolicy("nightly-1")
            XCTFail("deleted")
        } catch {
            XCTAssertEqual(error.code, 404)
            XCTAssertEqual(error.type, "backup_policy_not_found")
            XCTAssertEqual(error.description, "backup_policy_not_found (404): Policy with the requested ID 'nightly-1' could not be found.")
        }
    }

    func testRetriesTwo503sThenSucceeds() async throws {
        try await emulator.faults(["next": [["count": 2, "status": 503]]])
        let before = try await requests()
        let list = try await client.listPolicies()
        XCTAssertEqual(list.total, 0)
        let after = try await requests()
        XCTAssertEqual(after - before, 3, "two 503s and the success")
    }

    func testHonoursRetryAfterOn429() async throws {
        try await emulator.faults(["next": [["status": 429, "retryAfter": "1"]]])
        let start = Date()
        _ = try await client.listPolicies()
        // Backoff alone would wait at most 10 ms here; Retry-After asks for a second.
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.95)
    }

    func testWaitsForRateLimitResetBeforeTheNextCall() async throws {
        let reset = Int64(Date().timeIntervalSince1970) + 2
        try await emulator.faults(["next": [["rateLimitRemaining": 0, "rateLimitReset": .integer(reset)]]])
        _ = try await client.listPolicies()
        let start = Date()
        _ = try await client.listPolicies()
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince1970, Double(reset) - 0.05)
        XCTAssertGreaterThan(Date().timeIntervalSince(start), 0.5)
    }

    func testConnectionClosedMidResponseIsRetriedForReads() async throws {
        _ = try await client.createPolicy(newPolicy("p1"))
        try await emulator.faults(["next": [["drop": true]]])
        let fetchedID = try await client.getPolicy("p1").id
        XCTAssertEqual(fetchedID, "p1")
    }

    func testSlowResponseTimesOut() async throws {
        let impatient = try makeClient(retry: .singleAttempt, timeout: 0.5)
        try await emulator.faults(["next": [["delayMs": 2000]]])
        do {
            _ = try await impatient.listPolicies()
            XCTFail("expected a timeout")
        } catch {
            XCTAssertEqual(error.type, "timeout")
            XCTAssertEqual(error.code, 0)
        }
        try await impatient.shutdown()
    }

    /// Deadlines are kept by one clock for the process (RequestDeadlines): each of many requests
    /// in flight at once times out on its own, and the clock, stopped once nothing is in
    /// flight, starts again for the next request: a later slow one times out too.
    func testManySlowAnswersEachTimeOutAndTheNextRequestIsAnswered() async throws {
        let impatient = try makeClient(retry: .singleAttempt, timeout: 0.5)
        let slow = 24
        try await emulator.faults(["next": .array(Array(repeating: ["delayMs": 3000], count: slow + 1))])
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<slow {
                group.addTask {
                    do throws(BackupsError) { _ = try await impatient.listPolicies(); return "answered" } catch { return "\(error.type): \(error.message)" }
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        XCTAssertEqual(outcomes.count, slow)
        for outcome in outcomes {
            XCTAssertTrue(outcome.hasPrefix("timeout: GET /backups/policies: ") && outcome.hasSuffix("did not answer within 0.5 s"), outcome)
        }
        try await Task.sleep(nanoseconds: 200_000_000)  // past a tick with nothing in flight
        do throws(BackupsError) {
            _ = try await impatient.listPolicies()
            XCTFail("the slow request after the clock stopped was answered")
        } catch {
            XCTAssertEqual(error.type, "timeout")
        }
        let total = try await impatient.listPolicies().total
        XCTAssertEqual(total, 0)
        try await impatient.shutdown()
    }

    func testCreateWhoseAnswerIsLostIsVerifiedAfter409() async throws {
        try await emulator.faults(["next": [["dropAfter": true]]])
        let created = try await client.createPolicy(newPolicy("lost-answer"))
        XCTAssertEqual(created.id, "lost-answer")
        let policyCount = try await client.listPolicies().total
        XCTAssertEqual(policyCount, 1, "exactly one policy")
    }

    func testA409ThatIsNotOursStaysAnError() async throws {
        _ = try await client.createPolicy(newPolicy("taken"))
        try await emulator.faults(["next": [["dropAfter": true]]])
        var other = newPolicy("taken")
        other.retention = 99
        do {
            _ = try await client.createPolicy(other)
            XCTFail("a different policy already has this ID")
        } catch {
            XCTAssertEqual(error.code, 409)
        }
    }

    /// A client whose --verbose lines are kept.
    func loggingClient() throws -> (BackupsClient, LogLines) {
        let lines = LogLines()
        var c = ClientConfiguration(endpoint: emulator.url, project: emulator.project, apiKey: emulator.key)
        c.retry.baseDelay = 0.01
        c.logger = Logger(label: "test") { _ in LineHandler(lines: lines) }
        return (try BackupsClient(configuration: c), lines)
    }

    /// The answer to an archive create is lost after the service made it: the client finds it
    /// (same resource and services, since the first attempt, unclaimed) instead of making a
    /// second one; the reconciliation read shows in --verbose with its reason.
    func testALostArchiveCreateIsFoundNotRepeated() async throws {
        let (client, log) = try loggingClient()
        try await emulator.faults(["next": [["dropAfter": true, "path": "/v1/backups/archives"]]])
        let archive = try await client.createArchive(services: ["databases"], resourceId: "db-0001")
        let all = try await client.listArchives()
        XCTAssertEqual(all.total, 1, "made once")
        XCTAssertEqual(all.items.first?.id, archive.id)
        XCTAssertTrue(log.all.contains { $0.contains("POST /backups/archives network_error attempt=1") && $0.contains("may have been created: looking for it") }, log.text)
        XCTAssertTrue(log.all.contains { $0.hasPrefix("GET /backups/archives 200") && $0.contains("(reconcile: did the archive create go through?)") }, log.text)
        XCTAssertFalse(log.all.contains { $0.hasPrefix("POST /backups/archives") && $0.contains("attempt=2") }, log.text)
    }

    /// The connection drops before the service acts: nothing is found after the settle time,
    /// and the create is sent again: one archive.
    func testACreateThatNeverLandedIsSentAgain() async throws {
        let (client, log) = try loggingClient()
        try await emulator.faults(["next": [["drop": true, "path": "/v1/backups/archives"]]])
        let archive = try await client.createArchive(services: ["databases"], resourceId: "db-0002")
        let all = try await client.listArchives()
        XCTAssertEqual(all.total, 1)
        XCTAssertEqual(all.items.first?.id, archive.id)
        XCTAssertEqual(log.all.filter { $0.contains("(reconcile:") }.count, 2, "looked, settled, looked again: \(log.text)")
        XCTAssertTrue(log.all.contains { $0.hasPrefix("POST /backups/archives 201 attempt=2") }, log.text)
    }

    /// Another actor made an archive of the same resource in the same seconds: two candidates,
    /// reported, never guessed.
    func testTwoCandidatesAreReportedNotGuessed() async throws {
        let (client, _) = try loggingClient()
        let other = try await emulator.request(.POST, "/backups/archives", body: ["services": ["databases"], "resourceId": "db-0003"])
        XCTAssertEqual(other.status, 201)
        try await emulator.faults(["next": [["dropAfter": true, "path": "/v1/backups/archives"]]])
        do {
            _ = try await client.createArchive(services: ["databases"], resourceId: "db-0003")
            XCTFail("expected an ambiguous outcome")
        } catch {
            XCTAssertTrue(error.mayHaveHappened)
            XCTAssertEqual(error.candidates.count, 2, error.message)
            XCTAssertTrue(error.candidates.contains(other.json["$id"]!.stringValue!))
            XCTAssertTrue(error.message.contains("2 candidates"), error.message)
        }
        // What this client made itself is claimed: a later lost create of the same resource is
        // not mistaken for it.
        let mine = try await client.createArchive(services: ["databases", "storage"])
        try await emulator.faults(["next": [["dropAfter": true, "path": "/v1/backups/archives"]]])
        let again = try await client.createArchive(services: ["databases", "storage"])
        XCTAssertNotEqual(mine.id, again.id)
    }

    /// Restorations: in place (found by its destination, the archived database itself) and into
    /// a new ID (which a second attempt would collide with).
    func testLostRestorationCreatesAreFound() async throws {
        let (client, _) = try loggingClient()
        let archive = try await client.createArchive(services: ["databases"], resourceId: "db-0001")
        try await emulator.advance(days: 0.001)
        try await emulator.faults(["next": [["dropAfter": true, "path": "/v1/backups/restoration"]]])
        let inPlace = try await client.createRestoration(archiveId: archive.id, services: ["databases"])
        try await emulator.faults(["next": [["dropAfter": true, "path": "/v1/backups/restoration"]]])
        let copy = try await client.createRestoration(archiveId: archive.id, services: ["databases"], newResourceId: "db-copy")
        let all = try await client.listRestorations()
        XCTAssertEqual(all.total, 2)
        XCTAssertEqual(Set(all.items.map(\.id)), [inPlace.id, copy.id])
        XCTAssertEqual(copy.options["databases"]?["database"]?.arrayValue?.first?["newId"], "db-copy")
    }

    func testDeleteThatMeets404AfterAmbiguousFailureCountsAsDone() async throws {
        _ = try await client.createPolicy(newPolicy("gone"))
        try await emulator.faults(["next": [["dropAfter": true]]])
        try await client.deletePolicy("gone")
        let policiesAfterDelete = try await client.listPolicies().total
        XCTAssertEqual(policiesAfterDelete, 0)
    }

    func testHTML502GivesAClearError() async throws {
        let once = try makeClient(retry: .singleAttempt)
        try await emulator.faults(["next": [["status": 502, "html": true]]])
        do {
            _ = try await once.listPolicies()
            XCTFail("expected 502")
        } catch {
            XCTAssertEqual(error.code, 502)
            XCTAssertTrue(error.message.contains("HTML page"), error.message)
            XCTAssertTrue(error.message.contains("502 Bad Gateway"), error.message)
        }
        try await once.shutdown()
    }

    func testValidationHappensBeforeTheNetwork() async throws {
        let before = try await requests()
        let cases: [(() async throws(BackupsError) -> Void, String)] = [
            ({ () async throws(BackupsError) in _ = try await self.client.getPolicy("-bad") }, "Invalid `policyId` param"),
            ({ () async throws(BackupsError) in _ = try await self.client.createPolicy(.init(id: "x", services: ["tables"], retention: 1, schedule: "0 2 * * *")) }, "Unknown service 'tables'"),
            ({ () async throws(BackupsError) in _ = try await self.client.createPolicy(.init(id: "x", services: ["databases"], retention: -1, schedule: "0 2 * * *")) }, "Invalid `retention` param"),
            ({ () async throws(BackupsError) in _ = try await self.client.createPolicy(.init(id: "x", services: ["databases"], retention: 1, schedule: "*/5 22-3 * * *")) }, "hour range 22-3 is reversed"),
            ({ () async throws(BackupsError) in _ = try await self.client.updatePolicy("x", .init(name: String(repeating: "n", count: 129))) }, "no longer than 128 chars"),
            ({ () async throws(BackupsError) in _ = try await self.client.listPolicies(Array(repeating: .limit(1), count: 101)) }, "at most 100 queries"),
            ({ () async throws(BackupsError) in _ = try await self.client.updatePolicy("x", .init(name: "a\u{0}b")) }, "without NUL characters"),
        ]
        for (call, expected) in cases {
            do {
                try await call()
                XCTFail("expected \(expected)")
            } catch {
                XCTAssertEqual(error.type, "argument_invalid")
                XCTAssertEqual(error.code, 0)
                XCTAssertTrue(error.message.contains(expected), error.message)
            }
        }
        let after = try await requests()
        XCTAssertEqual(after, before, "nothing was sent")
    }

    func testPagingThroughAThousandRecordsWithFilters() async throws {
        try await emulator.seed(archives: 1000)  // every fourth one failed
        var seen = Set<String>()
        var last: String?
        var count = 0
        for try await item in client.all(BackupsRequest.listArchives, queries: [
            Query.equal("status", "completed").description, Query.orderDesc("$createdAt").description, Query.limit(37).description,
        ]) {
            let id = item["$id"]!.stringValue!
            XCTAssertTrue(seen.insert(id).inserted, "repeat \(id)")
            XCTAssertEqual(item["status"], "completed")
            let created = item["$createdAt"]!.stringValue!
            if let last { XCTAssertGreaterThanOrEqual(last, created, "order kept") }
            last = created
            count += 1
        }
        XCTAssertEqual(count, 750, "no gaps")
    }

    func testTheKeyNeverAppearsInErrors() async throws {
        let key = emulator.key
        var descriptions: [String] = []
        let wrong = try makeClient(retry: .singleAttempt, key: key + "-wrong")
        do { _ = try await wrong.listPolicies() } catch { descriptions.append("\(error) \(error.body ?? "")") }
        do { _ = try await client.getPolicy("missing") } catch { descriptions.append("\(error) \(error.body ?? "")") }
        do { _ = try await client.getPolicy("--") } catch { descriptions.append("\(error)") }
        var refused = ClientConfiguration(endpoint: "http://127.0.0.1:9/v1", project: "p", apiKey: key)
        refused.retry = .singleAttempt
        refused.connectTimeout = 1
        let nowhere = try BackupsClient(configuration: refused)
        do { _ = try await nowhere.listPolicies() } catch { descriptions.append("\(error)") }
        descriptions.append("\(refused) \(String(reflecting: refused)) \(refused.apiKey)")
        XCTAssertEqual(descriptions.count, 5)
        XCTAssertTrue(descriptions[0].contains("general_unauthorized_scope (401)"), descriptions[0])
        XCTAssertTrue(descriptions[3].contains("network_error"), descriptions[3])
        for d in descriptions { XCTAssertFalse(d.contains("SECRET"), d) }
        try await wrong.shutdown()
        try await nowhere.shutdown()
    }

    /// Never trust a 2xx: a record without `$id`, an empty record, a body where a delete has none.
    func testAnAnswerThatIsNotTheDocumentedShapeIsAnError() async throws {
        _ = try await client.createPolicy(newPolicy("shape"))
        let cases: [(String, Int, String, () async throws(BackupsError) -> Void, String)] = [
            ("/v1/backups/policies/shape", 200, "", { () async throws(BackupsError) in _ = try await self.client.getPolicy("shape") },
             "an empty body where a record was expected"),
            ("/v1/backups/policies/shape", 200, #"{"name":"x"}"#, { () async throws(BackupsError) in _ = try await self.client.getPolicy("shape") },
             "a record without a '$id'"),
            ("/v1/backups/policies/shape", 200, "[]", { () async throws(BackupsError) in try await self.client.deletePolicy("shape") },
             "a body where there should be none"),
            ("/v1/backups/archives", 201, "null", { () async throws(BackupsError) in _ = try await self.client.createArchive(services: ["databases"]) },
             "null where a record was expected"),
        ]
        for (path, status, body, call, words) in cases {
            try await emulator.faults(["next": [["path": .string(path), "status": .integer(Int64(status)), "body": .string(body)]]])
            do {
                try await call()
                XCTFail("\(path) \(body) was taken as success")
            } catch {
                XCTAssertEqual(error.type, "general_server_error")
                XCTAssertEqual(error.code, status)
                XCTAssertTrue(error.message.contains(words), error.message)
            }
        }
        let stillThere = try await client.getPolicy("shape").id
        XCTAssertEqual(stillThere, "shape", "the faked delete did not happen")
    }

    /// A key that cannot be a header value is refused when the client is made, without the key.
    func testAKeyWithALineBreakIsRefused() throws {
        let key = "sk_live_0123456789\nKEY=sk_live_0123456789"
        XCTAssertThrowsError(try makeClient(key: key)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("a line break at byte 19"), message)
            XCTAssertFalse(message.contains("0123456789"), message)
        }
    }
}

/// Log lines kept by a test.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
    var text: String { all.joined(separator: "\n") }
}

struct LineHandler: LogHandler {
    let lines: LogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { lines.add("\(event.message)") }
}
