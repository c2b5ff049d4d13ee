import BkupJSON
import Foundation
import XCTest

/// One version, from one place (BackupsModels' BkupRelease): what `--version`, `-v`, the man
/// page, plan files and every request's User-Agent say is the same.
final class VersionTests: XCTestCase {
    var children: [Process] = []
    override func tearDown() {
        for p in children where p.isRunning { p.terminate() }
    }

    func testEveryPlaceSaysTheSameVersion() throws {
        let dir = NSTemporaryDirectory() + "bkup-version-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let isolated = ["HOME": dir, "XDG_DATA_HOME": dir + "/data", "XDG_STATE_HOME": dir + "/state"]

        let shown = try runTool(["--version"])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        let first = shown.stdout.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertNotNil(first.range(of: #"^bkup [0-9]+\.[0-9]+\.[0-9]+$"#, options: .regularExpression), first)
        let version = String(first.dropFirst(5))

        XCTAssertTrue(try runTool(["-v", "-e", ""]).stdout.hasPrefix("bkup \(version)\n"))
        XCTAssertTrue(try runTool(["help", "--man"]).stdout.contains("\"bkup \(version)\""))

        let planPath = dir + "/plan.json"
        let planned = try runTool(["--plan-out", planPath, "-e", #"backups.policies.create{id = "v", services = {"databases"}, retention = 1, schedule = "@daily"}"#],
                                  env: isolated, cwd: dir)
        XCTAssertEqual(planned.status, 0, planned.stderr)
        let plan = try JSONCodec.decode(String(contentsOfFile: planPath, encoding: .utf8))
        XCTAssertEqual(plan["made"]?["by"], .string("bkup \(version)"))

        // The User-Agent, as a server on loopback receives it.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", packageRoot + "/Tests/EndToEndTests/web_server.py"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        children.append(p)
        let server = PipeCollector(out)
        let port = server.waitFor("\n", seconds: 30)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "0"
        let asked = try runTool(["--endpoint", "http://127.0.0.1:\(port)/v1", "--project", "p", "-e", "pcall(backups.policies.list)"],
                                env: ["APPWRITE_API_KEY": "a-key-for-the-test"])
        XCTAssertEqual(asked.status, 0, asked.stderr)
        XCTAssertNotNil(server.waitFor("user-agent: bkup/\(version)\n", seconds: 10), server.text)
        for line in server.text.split(separator: "\n") where line.hasPrefix("user-agent:") {
            XCTAssertEqual(line, "user-agent: bkup/\(version)")
        }
    }
}
