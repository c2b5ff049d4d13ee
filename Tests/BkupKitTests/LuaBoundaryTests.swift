import BkupJSON
import BkupKit
import BkupTestSupport
import Foundation
import XCTest

/// Every number a Lua script hands the host, at every boundary value: in its domain it is
/// taken; out of it (a fraction where an integer is meant, as `math.tointeger` rules, a NaN, an
/// infinity, a string, a value past the range) it is a `bad argument` naming the field, and
/// nothing is sent.
final class LuaBoundaryTests: XCTestCase {
    var emulator: EmulatorHarness!

    override func setUpWithError() throws {
        emulator = try EmulatorHarness.startBlocking(seed: 2, speed: 1e-9)
        let e = emulator!
        try e.blocking { try await e.seed(archives: 1) }
    }

    override func tearDownWithError() throws {
        let e = emulator!
        try e.blocking { await e.stop() }
    }

    /// Runs `call` (Lua taking `v`) with every boundary value; answers "ok" or the error, by value name.
    func outcomes(_ call: String, setup: String = "") throws -> [String: String] {
        let values = BoundaryValues.all.map { "{name = \(luaString($0.name)), v = \($0.lua)}" }.joined(separator: ", ")
        let h = try BkupHost(configuration: .testing(emulator))
        let r = try h.run(string: """
            \(setup)
            local out = {}
            for _, case in ipairs{\(values)} do
              local v = case.v
              local ok, e = pcall(function() \(call) end)
              out[case.name] = ok and "ok" or tostring(e)
            end
            return out
            """)
        guard case .object(let o)? = r.first else { XCTFail("\(r)"); return [:] }
        return o.compactMapValues(\.stringValue)
    }

    func luaString(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }

    func assertDomain(_ call: String, accepts accepted: Set<String>, refusalContains words: String, setup: String = "",
                      file: StaticString = #filePath, line: UInt = #line) throws
    {
        let results = try outcomes(call, setup: setup)
        XCTAssertEqual(results.count, BoundaryValues.all.count, "\(results)", file: file, line: line)
        for (name, outcome) in results.sorted(by: { $0.key < $1.key }) {
            if accepted.contains(name) {
                XCTAssertEqual(outcome, "ok", "\(call) with \(name)", file: file, line: line)
            } else {
                XCTAssertTrue(outcome.contains("bad argument") && outcome.contains(words), "\(call) with \(name): \(outcome)", file: file, line: line)
            }
        }
    }

    func testRetentionIsAnInt32OfAtLeastOneDay() throws {
        let days = BoundaryValues.accepted(wholeIn: 1...Int64(Int32.max))
        try assertDomain(#"backups.policies.create{services = {"databases"}, retention = v, schedule = "@daily"}"#,
                         accepts: days, refusalContains: "field 'retention'")
        try assertDomain(#"backups.policies.update("p", {retention = v})"#, accepts: days, refusalContains: "field 'retention'",
                         setup: #"backups.policies.create{id = "p", services = {"databases"}, retention = 1, schedule = "@daily"}"#)
        let policy = try outcomes(#"local p = backups.policies.get("q"); assert(p.retention == 2147483647, p.retention)"#,
                                  setup: #"backups.policies.create{id = "q", services = {"databases"}, retention = 2147483647, schedule = "@daily"}"#)
        XCTAssertEqual(Set(policy.values), ["ok"])
    }

    func testQueriesCronAndCounts() throws {
        try assertDomain("Query.limit(v)", accepts: BoundaryValues.accepted(wholeIn: 0...5000), refusalContains: "#1")
        try assertDomain("Query.offset(v)", accepts: BoundaryValues.accepted(wholeIn: 0...Int64(Int32.max)), refusalContains: "#1")
        try assertDomain(#"Query.equal("size", v)"#, accepts: ["0", "-1", "2^31-1", "2^31", "2^53", "2^63", "1e308", "-0", "\"1\"", "1.5"],
                         refusalContains: "finite number expected")
        try assertDomain(#"cron.next("@daily", v)"#, accepts: BoundaryValues.accepted(wholeIn: 0...10_000), refusalContains: "#2")
        try assertDomain(#"cron.next("@daily", 1, v)"#, accepts: BoundaryValues.accepted(finiteIn: -62_135_596_800...253_402_300_799),
                         refusalContains: "#3")
        try assertDomain("backups.connect{concurrency = v}", accepts: [], refusalContains: "field 'concurrency'")
        try assertDomain(#"task.map({}, print, {concurrency = v})"#, accepts: ["2^31-1", "2^31", "2^53"], refusalContains: "concurrency")
        try assertDomain(#"backups.error("e", "m", v)"#, accepts: BoundaryValues.accepted(wholeIn: 0...999), refusalContains: "#3")
    }

    func testEmulatorControlsAndWaits() throws {
        try assertDomain("backups.emulator.seed{databases = v}", accepts: BoundaryValues.accepted(wholeIn: 0...1_000_000),
                         refusalContains: "field 'databases'")
        try assertDomain("backups.emulator.advance(v)", accepts: BoundaryValues.accepted(finiteIn: 0...3_155_760_000), refusalContains: "#1")
        let done = #"local done = backups.archives.list{Query.equal("status", "completed")}.archives[1]"#
        let seconds = BoundaryValues.accepted(finiteIn: 0...Double.greatestFiniteMagnitude)
        XCTAssertEqual(seconds, ["0", "2^31-1", "2^31", "2^53", "2^63", "1e308", "-0", "1.5"])
        try assertDomain("backups.archives.wait(done, {timeout = v})", accepts: seconds, refusalContains: "field 'timeout'", setup: done)
        try assertDomain("backups.archives.waitAll({done}, {interval = v, progress = false})", accepts: seconds, refusalContains: "field 'interval'",
                         setup: done)
        // task.sleep really sleeps what it is given: only the refusals here.
        let slept = try outcomes("if type(v) ~= 'number' or v ~= v or v < 0 or v == math.huge then task.sleep(v) end")
        for name in ["-1", "inf", "-inf", "nan"] {
            XCTAssertTrue(slept[name]?.contains("bad argument #1 to 'sleep'") == true, "\(name): \(slept[name] ?? "-")")
        }
        // A numeral string is a number to a positional argument, as lauxlib's luaL_checknumber reads it.
        XCTAssertEqual(slept["\"1\""], "ok")
    }
}
