import BackupsClient
import BackupsModels
import BkupJSON
import BkupTestSupport
import Foundation
import XCTest

/// Plan files are input too: a real plan, damaged in seeded ways (and half of the time given a
/// fresh checksum, so that the damage reaches the steps), must be read as a plan or refused with
/// a `FileError`, never crash; what is read writes back to the same plan, and applies without
/// crashing: anything it cannot do is refused or failed, with a reason.
final class PlanFileFuzzTests: XCTestCase {
    var emulator: EmulatorHarness!

    override func setUp() async throws {
        emulator = try await EmulatorHarness.start(seed: 3, speed: 1e-9)
    }

    override func tearDown() async throws {
        await emulator.stop()
    }

    func realPlan() async throws -> (Plan, BackupsClient) {
        let direct = try BackupsClient(configuration: ClientConfiguration(endpoint: emulator.url, project: emulator.project, apiKey: emulator.key))
        for i in 1...3 {
            _ = try await direct.createPolicy(.init(id: "p\(i)", name: "P \(i)", services: ["databases"], resourceId: "db-000\(i)",
                                                    retention: 7, schedule: "0 2 * * *"))
        }
        _ = try await direct.createArchive(services: ["databases"], resourceId: "db-0001")
        var c = direct.configuration
        c.planner = Planner()
        let dry = try BackupsClient(configuration: c)
        _ = try await dry.updatePolicy("p1", .init(name: "renamed", retention: 9, enabled: false))
        try await dry.deletePolicy("p2")
        _ = try await dry.createPolicy(.init(id: "p4", services: ["databases"], resourceId: "db-0002", retention: 3, schedule: "5 4 * * 1"))
        _ = try await dry.createPolicy(.init(id: ID.uniqueMarker, services: ["databases"], retention: 1, schedule: "0 0 1 * *"))
        let archive = try await dry.createArchive(services: ["databases"], resourceId: "db-0003")
        _ = try await dry.createRestoration(archiveId: archive.id, services: ["databases"], newResourceId: "copy")
        let archives = try await direct.listArchives()
        _ = try await dry.createRestoration(archiveId: archives.items[0].id, services: ["databases"])
        return (c.planner!.plan(script: "job.lua", arguments: ["--x", "ü"]), direct)
    }

    /// A plan's retention, re-signed at every boundary value: taken only as the published API's
    /// int32 of at least one day, refused with the parameter and the value otherwise.
    func testRetentionInAPlanAtEveryBoundary() async throws {
        let (plan, _) = try await realPlan()
        guard case .object(var o) = plan.json, case .array(var steps)? = o["steps"],
            let index = steps.firstIndex(where: { $0["operation"] == "create" && $0["record"] == "policy" })
        else { return XCTFail("no policy create in \(plan.fileText)") }
        for value in BoundaryValues.all {
            var step = steps[index].objectValue!
            var request = step["request"]!.objectValue!
            var body = request["body"]!.objectValue!
            body["retention"] = try? JSONCodec.decode(value.json)
            guard body["retention"] != nil else { continue }  // NaN, infinities: not JSON at all
            request["body"] = .object(body)
            step["request"] = .object(request)
            steps[index] = .object(step)
            o["steps"] = .array(steps)
            o["checksum"] = nil
            o["checksum"] = .string(Plan.checksum(ofUnsigned: o))
            do {
                _ = try Plan.read(JSONCodec.encodeBytes(.object(o)))
                XCTAssertEqual(value.name, "2^31-1", "retention \(value.name) was taken")
            } catch {
                XCTAssertNotEqual(value.name, "2^31-1", "\(error)")
                XCTAssertTrue("\(error)".contains("retention"), "\(value.name): \(error)")
            }
        }
    }

    func testDamagedPlansAreReadOrRefusedNeverCrash() async throws {
        let (plan, client) = try await realPlan()
        XCTAssertEqual(plan.steps.count, 7)
        let good = plan.json
        XCTAssertEqual(try Plan.read(Array(plan.fileText.utf8)), plan, "a plan reads back as itself")
        var rng = SeededRandom(seed: 19)
        var read = 0, refused = 0, applied = 0
        var reasons: [String: Int] = [:]
        for round in 0..<4000 {
            var value = good
            for _ in 0..<Int.random(in: 1...3, using: &rng) { value = mutate(value, &rng, depth: 0) }
            if round % 2 == 0, case .object(var o) = value {
                o["checksum"] = nil
                o["checksum"] = .string(Plan.checksum(ofUnsigned: o))
                value = .object(o)
            }
            var bytes = Array(((try? JSONCodec.encode(value, options: .init(pretty: true, sortKeys: true))) ?? "").utf8)
            if round % 7 == 0, !bytes.isEmpty {
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
            }
            switch Result(catching: { () throws(Plan.FileError) -> Plan in try Plan.read(bytes) }) {
            case .success(let parsed):
                read += 1
                XCTAssertEqual(try Plan.read(Array(parsed.fileText.utf8)), parsed, "round \(round): writes back as read")
                for step in parsed.steps { XCTAssertNoThrow(try step.request(), "round \(round)") }
                if applied < 60, parsed != plan {
                    applied += 1
                    let results = await PlanApplier(plan: parsed, clients: [client.planTarget: client], concurrency: 4).apply()
                    XCTAssertEqual(results.count, parsed.steps.count)
                    for r in results {
                        switch r.outcome {
                        case .refused(let why), .failed(let why), .alreadyApplied(let why): XCTAssertFalse(why.isEmpty)
                        case .applied: break
                        case .notStarted: XCTFail("round \(round): nothing stops this apply")
                        }
                    }
                }
            case .failure(let error):
                refused += 1
                reasons[String(error.description.prefix(40)), default: 0] += 1
                XCTAssertFalse(error.description.isEmpty)
            }
        }
        XCTAssertGreaterThan(read, 50, "some damage leaves a valid plan: \(reasons)")
        XCTAssertGreaterThan(refused, 2000, "\(reasons)")
        XCTAssertGreaterThan(applied, 10)
    }

    func mutate(_ value: JSONValue, _ rng: inout SeededRandom, depth: Int) -> JSONValue {
        switch value {
        case .object(var o) where !o.isEmpty && Int.random(in: 0..<4, using: &rng) > 0:
            let key = o.keys.sorted()[Int.random(in: 0..<o.count, using: &rng)]
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: o[key] = nil
            case 1: o[key + "x"] = o[key]
            default: o[key] = mutate(o[key]!, &rng, depth: depth + 1)
            }
            return .object(o)
        case .array(var a) where !a.isEmpty && Int.random(in: 0..<4, using: &rng) > 0:
            let i = Int.random(in: 0..<a.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: a.remove(at: i)
            case 1: a.append(a[i])
            case 2: a.swapAt(i, Int.random(in: 0..<a.count, using: &rng))
            default: a[i] = mutate(a[i], &rng, depth: depth + 1)
            }
            return .array(a)
        default:
            let choices: [JSONValue] = [
                .null, .bool(true), .integer(0), .integer(-1), .integer(Int64.max), .number(1.5), .string(""), .string("unique()"),
                .string("-bad id"), .string(String(repeating: "z", count: 10_000)), .string("ü\u{0}x"), .string("policy"), .string("create"),
                .string("delete"), .string("update"), .string("archive"), .string("restoration"), .string("2026-01-01T00:00:00.000+00:00"),
                .string("dryrun0123456789abcd"), .array([]), .object([:]), .array([.string("databases")]), .integer(7),
                .string("61 * * * *"), .string("p3"),
            ]
            return choices[Int.random(in: 0..<choices.count, using: &rng)]
        }
    }
}
