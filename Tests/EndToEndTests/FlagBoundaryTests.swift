import BkupTestSupport
import Foundation
import XCTest

/// Every numeric flag at every boundary value: in its domain it is taken (the run goes on to
/// `--help`), out of it it is a usage error (exit 2) that names the flag and what it takes. The
/// time limit's largest values then really run, where they once overflowed the C deadline.
final class FlagBoundaryTests: XCTestCase {
    func accepted(_ command: [String], _ flag: String, file: StaticString = #filePath, line: UInt = #line) throws -> Set<String> {
        var taken: Set<String> = []
        for value in BoundaryValues.all {
            let r = try runTool(command + [flag, value.flag, "--help"], env: ["HOME": NSTemporaryDirectory()])
            if r.status == 0 {
                taken.insert(value.name)
            } else {
                XCTAssertEqual(r.status, 2, "\(flag) \(value.flag): \(r.stderr)", file: file, line: line)
                XCTAssertTrue(r.stderr.contains("\(flag): ") && r.stderr.contains("got '\(value.flag)'"),
                              "\(flag) \(value.flag): \(r.stderr)", file: file, line: line)
            }
        }
        return taken
    }

    func testTheMainCommandsNumbers() throws {
        let big: Set<String> = ["2^31-1", "2^31", "2^53"]
        for flag in ["--concurrency", "--endpoint-concurrency", "--fleet-concurrency"] {
            XCTAssertEqual(try accepted([], flag), [], flag)
        }
        XCTAssertEqual(try accepted([], "--max-tasks"), big)
        XCTAssertEqual(try accepted([], "--max-instructions"), big)
        XCTAssertEqual(try accepted([], "--max-memory"), big)
        XCTAssertEqual(try accepted([], "--timeout"), ["2^31-1", "2^31", "1.5"])
    }

    func testServesNumbers() throws {
        XCTAssertEqual(try accepted(["serve"], "--port"), ["0", "-0"])
        XCTAssertEqual(try accepted(["serve"], "--seed"), ["0", "-0"])
        XCTAssertEqual(try accepted(["serve"], "--latency"), ["0", "-0"])
        XCTAssertEqual(try accepted(["serve"], "--speed"), ["1.5"])
        let speed = try runTool(["serve", "--speed", "1e300"])
        XCTAssertTrue(speed.stderr.contains("--speed: a positive number up to 1000000 expected, got '1e300'"), speed.stderr)
    }

    func testTheLargestTimeLimitsRun() throws {
        for seconds in ["3155760000", "2147483648", "1.5"] {
            let r = try runTool(["-E", "--timeout", seconds, "-e", "print(1 + 1)"], env: ["HOME": NSTemporaryDirectory()])
            XCTAssertEqual(r.status, 0, "--timeout \(seconds): \(r.stderr)")
            XCTAssertEqual(r.stdout, "2\n")
        }
        let over = try runTool(["--timeout", "3155760001", "-e", "print(1)"])
        XCTAssertEqual(over.status, 2, over.stderr)
    }
}
