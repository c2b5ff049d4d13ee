import BkupKit
import BkupTestSupport
import Foundation
import XCTest

/// A fleet file's number, `endpointConcurrency`, at every boundary value: a whole number from 1
/// to 10000 or a clear refusal naming the setting and the value.
final class FleetNumberTests: XCTestCase {
    func testEndpointConcurrencyAtEveryBoundary() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-numbers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("fleet.json").path
        for value in BoundaryValues.all + [BoundaryValues.Value(name: "4.0", json: "4.0", lua: "4.0", flag: "4.0")] {
            try #"{"endpointConcurrency": \#(value.json), "projects": [{"project": "a"}]}"#.write(toFile: path, atomically: true, encoding: .utf8)
            do {
                let fleet = try FleetFile.read(path)
                XCTAssertEqual(value.name, "4.0", "endpointConcurrency \(value.name) was taken")
                XCTAssertEqual(fleet.endpointConcurrency, 4)
            } catch {
                XCTAssertNotEqual(value.name, "4.0", "\(error)")
                let text = "\(error)"
                XCTAssertTrue(text.contains("not JSON") || (text.contains("endpointConcurrency") && text.contains("from 1 to 10000")), text)
            }
        }
    }
}
