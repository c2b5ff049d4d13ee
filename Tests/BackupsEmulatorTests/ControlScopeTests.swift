import BackupsEmulator
import BkupJSON
import BkupTestSupport
import XCTest

/// The emulator's controls (`/v1/emulator/*`) need the scope `emulator.control`: a key given to a
/// tool under test with Appwrite's scopes only cannot move the clock, seed, reset or inject faults,
/// while a key without a scope list (the default) and one granted the scope can.
final class ControlScopeTests: XCTestCase {
    func testControlsNeedTheirOwnScope() async throws {
        let e = try await EmulatorHarness.start(grants: [
            "tool-key:policies.read,policies.write,archives.read,archives.write",
            "rig-key:emulator.control",
        ])
        defer { Task { await e.stop() } }
        let controls: [(HTTPMethod, String, JSONValue?)] = [
            (.POST, "/emulator/clock", ["advanceDays": 1]),
            (.POST, "/emulator/seed", ["databases": 1]), (.GET, "/emulator/stats", nil),
            (.POST, "/emulator/reset", [:]), (.POST, "/emulator/faults", ["rules": []]),
        ]
        let before = try await e.request(.GET, "/emulator/clock").json["nowMs"]
        for (method, path, body) in controls {
            let refused = try await e.request(method, path, body: body, key: "tool-key")
            XCTAssertEqual(refused.status, 401, "\(method) \(path): \(refused.text)")
            XCTAssertEqual(refused.json["type"], "general_unauthorized_scope", refused.text)
            XCTAssertTrue(refused.text.contains("emulator.control"), refused.text)
        }
        let clock = try await e.request(.GET, "/emulator/clock", key: "tool-key")
        XCTAssertEqual(clock.status, 200, "reading the clock is not a control: \(clock.text)")
        let tool = try await e.request(.GET, "/backups/policies", key: "tool-key")
        XCTAssertEqual(tool.status, 200, "the tool's own scopes still work: \(tool.text)")
        let rig = try await e.request(.POST, "/emulator/clock", body: ["advanceDays": 1], key: "rig-key")
        XCTAssertEqual(rig.status, 200, rig.text)
        let owner = try await e.request(.POST, "/emulator/clock", body: ["advanceDays": 1])
        XCTAssertEqual(owner.status, 200, "a key without a scope list has every scope: \(owner.text)")
        let advanced = try await e.request(.GET, "/emulator/clock").json["nowMs"]?.intValue ?? 0
        XCTAssertGreaterThanOrEqual(advanced - (before?.intValue ?? 0), 2 * 86_400_000, "only the two allowed advances moved it")
        XCTAssertLessThan(advanced - (before?.intValue ?? 0), 3 * 86_400_000, "the refused advance did not move it")
    }
}
