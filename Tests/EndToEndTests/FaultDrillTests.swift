import BkupJSON
import Foundation
import XCTest

/// Exactly once through a bad network, judged from outside: a separate misbehaving proxy in
/// front of a real `bkup serve` (Tests/FaultDrill/drill.py), fixed seeds. Nothing lost, nothing
/// duplicated, no error reported for work that was done.
final class FaultDrillTests: XCTestCase {
    func drill(_ arguments: [String]) throws -> [JSONValue] {
        let run = try runProgram("/usr/bin/env", ["python3", packageRoot + "/Tests/FaultDrill/drill.py",
                                                  bkupUnderTest] + arguments, timeout: 900)
        let results = run.stdout.split(separator: "\n").compactMap { try? JSONCodec.decode(String($0)) }
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        return results
    }

    func testBulkWorkThroughAFaultyProxyHappensExactlyOnce() throws {
        let results = try drill(["11", "12"])
        XCTAssertEqual(results.count, 2)
        for r in results {
            XCTAssertEqual(r["errors"], .array([]), "\(r)")
            XCTAssertEqual(r["lost"], .array([]), "\(r)")
            XCTAssertEqual(r["duplicated"], .object([:]), "\(r)")
            XCTAssertEqual(r["exit"], 0, "\(r)")
            let faults = r["faults"]?.objectValue?.values.compactMap(\.intValue).reduce(0, +) ?? 0
            XCTAssertGreaterThan(faults, 40, "the proxy did misbehave: \(r)")
            XCTAssertGreaterThan(r["faults"]?["drop"]?.intValue ?? 0, 0, "some answers were lost after the service acted: \(r)")
        }
    }

    /// A reviewed change through the same proxy: planned (its reads meet the faults), applied,
    /// applied again. Every step once, none refused, no archive twice; the second apply only reads.
    func testAPlanAppliedThroughAFaultyProxyAppliesEachStepOnce() throws {
        let results = try drill(["3", "5", "--apply"])
        XCTAssertEqual(results.count, 2)
        for r in results {
            XCTAssertEqual(r["first"], .array(["apply: 120 applied, 0 refused, 0 failed, 0 already applied"]), "\(r)")
            XCTAssertEqual(r["second"], .array(["nothing to apply: all 120 steps were already applied (this plan was applied before)"]), "\(r)")
            XCTAssertEqual(r["wrong"], .array([]), "\(r)")
            XCTAssertEqual(r["duplicated"], .object([:]), "\(r)")
            XCTAssertEqual(r["archives"], 30, "one archive per database: \(r)")
            XCTAssertGreaterThan(r["faults"]?["drop"]?.intValue ?? 0, 5, "answers were lost after the service acted: \(r)")
        }
    }

    func testAServerKilledMidRunLosesNoAcknowledgedUpdate() throws {
        let results = try drill(["--crash"])
        XCTAssertEqual(results.first?["exit"], 0, "\(results)")
        XCTAssertEqual(results.first?["not_updated"], 0, "\(results)")
        XCTAssertEqual(results.first?["policies"], 5000, "\(results)")
        XCTAssertGreaterThan(results.first?["killed_after"]?.intValue ?? 0, 0)
    }
}
