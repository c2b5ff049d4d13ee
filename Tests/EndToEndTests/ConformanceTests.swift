import BkupJSON
import Foundation
import XCTest

/// The official Appwrite Python SDK (pinned, from PyPI) is the judge of `bkup serve`'s wire:
/// Tests/Conformance/sdk_conformance.py drives every Backups method through it. Where it and
/// bkup's own client disagree, it wins: its query strings are compared with bkup's too.
final class ConformanceTests: XCTestCase {
    func testOfficialPythonSDKAgainstBkupServe() throws {
        let venv = try runProgram("/usr/bin/env", ["bash", packageRoot + "/tools/sdk-venv.sh"], timeout: 600)
        XCTAssertEqual(venv.status, 0, venv.stderr)
        let python = venv.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try ServeProcess([
            "--in-memory", "--speed", "0.000001", "--project", "conformance", "--project", "conformance-2",
            "--key", "full-key", "--key", "read-key:policies.read",
        ])
        defer { _ = server.interrupt() }
        let run = try runProgram(python, [packageRoot + "/Tests/Conformance/sdk_conformance.py", server.url, "conformance",
                                          "full-key", "read-key", "conformance-2"], timeout: 300)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        for line in lines where line.hasPrefix("FAIL") { XCTFail(line) }
        XCTAssertEqual(lines.filter { $0.hasPrefix("ok ") }.count, 9, run.stdout + run.stderr)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)

        // bkup's Query module must produce the SDK's bytes (ASCII values: Python escapes the
        // rest as \\u, JavaScript does not; the two parse the same).
        guard let line = lines.first(where: { $0.hasPrefix("QUERIES ") }),
            case .object(let sdk) = try JSONCodec.decode(String(line.dropFirst(8)))
        else { return XCTFail("no QUERIES line") }
        let ours = try runTool(["-e", """
            local Q = Query
            local t = {
              equal = Q.equal("status", "completed"), equalList = Q.equal("resourceId", {"a", "b"}),
              notEqual = Q.notEqual("enabled", false), lessThan = Q.lessThan("retention", 7),
              lessThanEqual = Q.lessThanEqual("size", 1.5), greaterThan = Q.greaterThan("$createdAt", "2026-01-01"),
              greaterThanEqual = Q.greaterThanEqual("retention", 30), between = Q.between("retention", 1, 30),
              isNull = Q.isNull("resourceId"), isNotNull = Q.isNotNull("policyId"),
              startsWith = Q.startsWith("$id", "nightly-"), endsWith = Q.endsWith("name", "backup"),
              contains = Q.contains("services", "databases"), search = Q.search("name", "night"),
              select = Q.select({"$id", "name"}), orderAsc = Q.orderAsc("$createdAt"), orderDesc = Q.orderDesc("retention"),
              orderRandom = Q.orderRandom(), limit = Q.limit(25), offset = Q.offset(50), cursorAfter = Q.cursorAfter("abc"),
              cursorBefore = Q.cursorBefore("xyz"),
              ["or"] = Q["or"]{Q.equal("status", "failed"), Q.isNull("size")},
              ["and"] = Q["and"]{Q.greaterThan("retention", 1), Q.lessThan("retention", 9)},
              createdBefore = Q.createdBefore("2026-11-01T00:00:00.000+00:00"),
              createdAfter = Q.createdAfter("2026-11-01T00:00:00.000+00:00"),
              createdBetween = Q.createdBetween("2026-01-01", "2026-12-31"),
              updatedBefore = Q.updatedBefore("2026-11-01"), updatedAfter = Q.updatedAfter("2026-11-01"),
              updatedBetween = Q.updatedBetween("2026-01-01", "2026-12-31"),
            }
            print(json.encode(t))
            """])
        XCTAssertEqual(ours.status, 0, ours.stderr)
        guard case .object(let mine) = try JSONCodec.decode(ours.stdout) else { return XCTFail(ours.stdout) }
        XCTAssertEqual(Set(mine.keys), Set(sdk.keys))
        for (name, expected) in sdk.sorted(by: { $0.key < $1.key }) {
            XCTAssertEqual(mine[name], expected, name)
        }
    }
}
