import Foundation
import XCTest

/// Every ready-made script checks its flags' values through one checker (bkup.args): a bad value
/// is a clean usage error (one line naming the flag, exit status 2) before anything is sent, and
/// a converging script is told what to converge to. Walked from each script's own --help, so a
/// new flag or script is covered without a line here.
final class ScriptFlagsTests: XCTestCase {
    var dir = ""
    var isolated: [String: String] = [:]

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "bkup-flags-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        isolated = ["HOME": dir, "XDG_DATA_HOME": dir + "/data", "XDG_STATE_HOME": dir + "/state"]
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// The scripts `bkup run` lists that read flags (demo.lua takes none: its --help would run it).
    func scriptNames() throws -> [String] {
        let list = try runTool(["run"], cwd: dir)
        XCTAssertEqual(list.status, 0, list.stderr)
        return list.stdout.split(separator: "\n").dropFirst().compactMap { $0.split(separator: " ").first.map(String.init) }.filter {
            let source = (try? String(contentsOfFile: "\(packageRoot)/scripts/\($0).lua", encoding: .utf8)) ?? ""
            return source.contains("args.cli(")
        }
    }

    /// Values each flag of a --help listing must refuse: by its type, its choices and its bounds.
    static func badValues(inHelp help: String) -> [(flag: String, value: String)] {
        var out: [(String, String)] = []
        for line in help.split(separator: "\n") where line.hasPrefix("  --") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard words.count >= 2, words[0] != "--help" else { continue }
            let flag = String(words[0])
            let type = words[1]
            let text = String(line)
            switch type {
            case "INTEGER": out += [(flag, "x"), (flag, "1.5")]
            case "NUMBER": out += [(flag, "x"), (flag, "nan")]
            case "CRON": out += [(flag, "0 2 * *"), (flag, "61 * * * *")]
            case "ID": out += [(flag, "-not an id")]
            default: break
            }
            if let r = text.range(of: #"\(at least [0-9.]+"#, options: .regularExpression) ?? text.range(of: #"\([0-9.]+ to "#, options: .regularExpression) {
                let bound = text[r].split(separator: " ").compactMap { Double($0) }.first ?? 0
                out.append((flag, type == "INTEGER" ? String(Int(bound) - 1) : String(bound - 0.5)))
            }
            if text.range(of: #"\([a-z]+(\|[a-zA-Z]+)+\)"#, options: .regularExpression) != nil { out.append((flag, "no-such-choice")) }
        }
        return out
    }

    func testEveryScriptRefusesABadValueOfEveryFlagCleanly() throws {
        let names = try scriptNames()
        XCTAssertTrue(names.contains("ensure-policies") && names.contains("rotate-policies"), "\(names)")
        var checked = 0
        for name in names {
            let help = try runTool(["run", name, "--help"], env: isolated, cwd: dir)
            XCTAssertEqual(help.status, 0, "\(name): \(help.stderr)")
            for (flag, value) in Self.badValues(inHelp: help.stdout) {
                let r = try runTool(["run", name, flag, value], env: isolated, cwd: dir)
                let shown = "bkup run \(name) \(flag) '\(value)': exit \(r.status)\n\(r.stderr)"
                XCTAssertEqual(r.status, 2, shown)
                XCTAssertTrue(r.stderr.hasPrefix("scripts/\(name).lua: \(flag)"), shown)
                XCTAssertFalse(r.stderr.contains("traceback"), shown)
                XCTAssertFalse(r.stderr.contains("using the embedded emulator"), "checked before anything started: \(shown)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 40, "bad values tried")
    }

    /// The issue's two: ensure-policies' bad schedule ended in a traceback through rotate.lua.
    func testABadScheduleIsTheSameCleanErrorInEveryScriptThatTakesOne() throws {
        for (name, flags) in [("ensure-policies", ["--retention", "3"]), ("rotate-policies", ["--all"])] {
            let r = try runTool(["run", name] + flags + ["--schedule", "0 2 * *"], env: isolated, cwd: dir)
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("scripts/\(name).lua: --schedule '0 2 * *': "), r.stderr)
            XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)
        }
    }

    /// A converging script is told what to converge to, or told to use its built-in spec.
    func testEnsurePoliciesNeedsItsSpecOrDefaults() throws {
        let seeded = try runTool(["-e", "backups.emulator.seed{databases = 2}"], env: isolated, cwd: dir)
        XCTAssertEqual(seeded.status, 0, seeded.stderr)
        let bare = try runTool(["run", "ensure-policies"], env: isolated, cwd: dir)
        XCTAssertEqual(bare.status, 2, bare.stderr)
        XCTAssertTrue(bare.stderr.contains("scripts/ensure-policies.lua: --schedule and --retention are required (or --defaults for the built-in spec)\n"),
                      bare.stderr)
        XCTAssertTrue(bare.stderr.contains("usage: bkup run ensure-policies [flags]"), "its usage: \(bare.stderr)")
        XCTAssertTrue(bare.stderr.contains("--defaults") && bare.stderr.contains("'0 2 * * *' --retention 30"), bare.stderr)
        let half = try runTool(["run", "ensure-policies", "--schedule", "0 3 * * *"], env: isolated, cwd: dir)
        XCTAssertEqual(half.status, 2, half.stderr)
        XCTAssertTrue(half.stderr.contains("--retention is required"), half.stderr)
        let listed = try runTool(["-e", "print(backups.policies.list().total)"], env: isolated, cwd: dir)
        XCTAssertEqual(listed.stdout, "0\n", "nothing was converged")

        let defaults = try runTool(["run", "ensure-policies", "--defaults", "--quiet"], env: isolated, cwd: dir)
        XCTAssertEqual(defaults.status, 0, defaults.stderr)
        XCTAssertEqual(defaults.stdout, "rotate: 2 created, 0 updated, 0 replaced, 0 deleted, 0 unchanged, 0 failed\n")
        let made = try runTool(["-e", "for p in backups.policies.each() do print(p.schedule, p.retention) end"], env: isolated, cwd: dir)
        XCTAssertEqual(made.stdout, "0 2 * * *\t30\n0 2 * * *\t30\n")
        // --defaults fills in only what was not given.
        let mixed = try runTool(["run", "ensure-policies", "--defaults", "--retention", "14", "--quiet"], env: isolated, cwd: dir)
        XCTAssertEqual(mixed.stdout, "rotate: 0 created, 2 updated, 0 replaced, 0 deleted, 0 unchanged, 0 failed\n", mixed.stderr)
    }
}
