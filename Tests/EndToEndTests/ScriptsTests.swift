import BkupJSON
import BkupTestSupport
import Foundation
import XCTest

/// scripts/*.lua as an operator runs them: the real binary against an emulator.
final class ScriptsTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let scripts = ["ensure-policies", "rotate-policies", "prune-archives", "backup-now", "restore-latest", "audit", "doctor"]

    var emulator: EmulatorHarness!

    override func setUpWithError() throws {
        // Fast simulated time: an archive finishes in a fraction of a second; a day takes an hour.
        // The schedules below are yearly, so that none fires in the middle of a test.
        emulator = try EmulatorHarness.startBlocking(seed: 5, speed: 24)
    }

    override func tearDownWithError() throws {
        let e = emulator!
        try e.blocking { await e.stop() }
    }

    func bkup(_ args: [String]) throws -> Run {
        try runTool(args, env: ["APPWRITE_ENDPOINT": emulator.url, "APPWRITE_PROJECT_ID": emulator.project,
                                "APPWRITE_API_KEY": emulator.key], cwd: Self.root)
    }

    func script(_ name: String, _ args: String...) throws -> Run {
        try bkup(["scripts/\(name).lua"] + args)
    }

    func http(_ path: String, _ queries: [String] = []) throws -> JSONValue {
        let e = emulator!
        return try e.blocking { try await e.request(.GET, path + EmulatorHarness.queryString(queries)) }.json
    }

    func testEveryScriptHasAHeaderAndHelp() throws {
        for name in Self.scripts {
            let text = try String(contentsOfFile: "\(Self.root)/scripts/\(name).lua", encoding: .utf8)
            XCTAssertTrue(text.hasPrefix("#!/usr/bin/env bkup\n-- \(name).lua: "), name)
            let help = try script(name, "--help")
            XCTAssertEqual(help.status, 0, "\(name): \(help.stderr)")
            XCTAssertTrue(help.stdout.hasPrefix("usage: bkup scripts/\(name).lua [flags]\n"), help.stdout)
            XCTAssertTrue(help.stdout.contains("  --help"), help.stdout)
        }
    }

    func testBadFlagsAreUsageErrorsWithoutATraceback() throws {
        let bad = try script("ensure-policies", "--retention", "x")
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.stderr, "scripts/ensure-policies.lua: --retention: integer expected, got 'x'\n")
        let unknown = try script("prune-archives", "--dayly", "3")
        XCTAssertEqual(unknown.status, 2)
        XCTAssertEqual(unknown.stderr, "scripts/prune-archives.lua: unknown flag --dayly (try --help)\n")
        let noFilter = try script("rotate-policies", "--retention", "3")
        XCTAssertEqual(noFilter.status, 2)
        XCTAssertTrue(noFilter.stderr.contains("no policy filter"), noFilter.stderr)
        let badCron = try script("rotate-policies", "--all", "--schedule", "61 * * * *")
        XCTAssertEqual(badCron.status, 2)
        XCTAssertTrue(badCron.stderr.contains("--schedule '61 * * * *': minute 61 is out of range 0-59"), badCron.stderr)
        let kind = try script("audit", "--kind", "tables")
        XCTAssertEqual(kind.status, 2)
        XCTAssertTrue(kind.stderr.contains("--kind: one of databases, buckets, functions expected, got 'tables'"), kind.stderr)
    }

    func testAnOperatorsDay() throws {
        // Nothing is protected yet: audit fails, for cron jobs and CI.
        let first = try script("audit")
        XCTAssertEqual(first.status, 1)
        XCTAssertTrue(first.stdout.contains("audit: 5 problems (5 unprotected)"), first.stdout)

        let ensure = try script("ensure-policies", "--id", "nightly-{resourceId}", "--retention", "30", "--schedule", "0 2 1 1 *")
        XCTAssertEqual(ensure.status, 0, ensure.stderr)
        XCTAssertTrue(ensure.stdout.contains("+ db-0003: created policy nightly-db-0003 (databases, 0 2 1 1 *, 30d)"), ensure.stdout)
        XCTAssertTrue(ensure.stdout.hasSuffix("rotate: 5 created, 0 updated, 0 replaced, 0 deleted, 0 unchanged, 0 failed\n"))
        let again = try script("ensure-policies", "--id", "nightly-{resourceId}", "--retention", "30", "--schedule", "0 2 1 1 *")
        XCTAssertEqual(again.stdout, "rotate: 0 created, 0 updated, 0 replaced, 0 deleted, 5 unchanged, 0 failed\n")

        // A dry run shows the plan and sends nothing.
        let dry = try bkup(["--dry-run", "scripts/ensure-policies.lua", "--id", "nightly-{resourceId}", "--retention", "14",
                             "--schedule", "0 2 1 1 *"])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertTrue(dry.stdout.contains("rotate (dry run): 0 created, 5 updated"), dry.stdout)
        XCTAssertTrue(dry.stderr.contains("~ policy nightly-db-0001: retention 30 → 14"), dry.stderr)
        XCTAssertTrue(dry.stderr.contains("dry run: 0 creates, 5 updates, 0 deletes planned; nothing was sent"), dry.stderr)
        for p in try http("/backups/policies")["policies"]!.arrayValue! { XCTAssertEqual(p["retention"], 30) }

        let moved = try script("rotate-policies", "--match-prefix", "nightly-", "--schedule", "30 3 1 1 *")
        XCTAssertEqual(moved.status, 0, moved.stderr)
        XCTAssertTrue(moved.stdout.hasSuffix("5 policies matched: 5 updated, 0 unchanged, 0 failed\n"), moved.stdout)
        for p in try http("/backups/policies")["policies"]!.arrayValue! { XCTAssertEqual(p["schedule"], "30 3 1 1 *") }

        // Two backup rounds: every database, all at once, waited for.
        for _ in 0..<2 {
            let round = try script("backup-now", "--interval", "0.05", "--timeout", "60")
            XCTAssertEqual(round.status, 0, round.stderr)
            XCTAssertTrue(round.stdout.hasSuffix("5 of 5 archives completed\n"), round.stdout)
        }
        let two = try script("backup-now", "--resource", "db-0002", "--resource", "db-0004", "--interval", "0.05")
        XCTAssertTrue(two.stdout.hasSuffix("2 of 2 archives completed\n"), two.stdout)
        XCTAssertEqual(try http("/backups/archives")["total"], 12)

        let restore = try script("restore-latest", "--resource", "db-0001", "--interval", "0.05")
        XCTAssertEqual(restore.status, 0, restore.stderr)
        XCTAssertTrue(restore.stdout.contains("db-0001-restored"), restore.stdout)
        XCTAssertTrue(restore.stdout.hasSuffix("1 of 1 restorations completed\n"), restore.stdout)
        let restored = try http("/databases", [#"{"method":"equal","attribute":"$id","values":["db-0001-restored"]}"#])
        XCTAssertEqual(restored["total"], 1)
        let missing = try script("restore-latest", "--resource", "db-0005-restored", "--interval", "0.05")
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stdout.contains("no completed archive of db-0005-restored"), missing.stdout)

        // The restored database has no policy yet: the audit says so, in JSON lines too.
        let audit = try script("audit", "--format", "jsonl")
        XCTAssertEqual(audit.status, 1)
        let finding = try JSONCodec.decode(audit.stdout.trimmingCharacters(in: .newlines))
        XCTAssertEqual(finding["check"], "unprotected")
        XCTAssertEqual(finding["subject"], "db-0001-restored")
        XCTAssertEqual(audit.stderr, "audit: 1 problem (1 unprotected)\n")
        _ = try script("ensure-policies", "--id", "nightly-{resourceId}", "--retention", "30", "--schedule", "30 3 1 1 *")
        let clean = try script("audit")
        XCTAssertEqual(clean.status, 0, clean.stdout)
        XCTAssertTrue(clean.stdout.hasPrefix("audit: no problems (6 resources, 6 policies, 12 archives checked)"), clean.stdout)

        // Pruning: the plan first (nothing deleted), then --apply.
        let plan = try script("prune-archives", "--daily", "1", "--weekly", "0", "--monthly", "0", "--yearly", "0")
        XCTAssertEqual(plan.status, 0, plan.stderr)
        XCTAssertTrue(plan.stdout.contains("keep 5, delete 7"), plan.stdout)
        XCTAssertTrue(plan.stdout.hasSuffix("nothing deleted: run again with --apply to delete\n"), plan.stdout)
        XCTAssertEqual(try http("/backups/archives")["total"], 12)
        let applied = try script("prune-archives", "--daily", "1", "--weekly", "0", "--monthly", "0", "--yearly", "0", "--apply")
        XCTAssertEqual(applied.status, 0, applied.stderr)
        XCTAssertTrue(applied.stdout.hasSuffix("retention: 7 deleted, 5 kept, 0 already gone, 0 failed\n"), applied.stdout)
        XCTAssertEqual(try http("/backups/archives")["total"], 5)
    }
}
