import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `bkup monitor` where a project misbehaves: a service that stops answering (SIGSTOP: no
/// refusal, no answer) holds its own project's poll until the poll's time limit, never the other
/// projects' polls, and then shows as failing; a checks script that cannot load stops the monitor
/// at start; one that loops is ended by the poll's limit; a label Prometheus reserves is refused.
final class MonitorFaultTests: XCTestCase {
    let key = "monitor-fault-key-0123456789"
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "bkup-monitor-fault-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        return path
    }

    func testAStuckProjectHoldsOnlyItsOwnPollAndShowsFailing() throws {
        let good = try ServeProcess(["--in-memory", "--key", key, "--project", "good"])
        let stuck = try ServeProcess(["--in-memory", "--key", key, "--project", "stuck"])
        _ = try write("key", key)
        let fleet = try write("fleet.json", #"{"keyFile": "key", "projects": [{"project": "good", "endpoint": "\#(good.url)"}, {"project": "stuck", "endpoint": "\#(stuck.url)"}]}"#)
        let monitor = try BackgroundProcess(bkupUnderTest, ["monitor", "--fleet", fleet, "--fleet-concurrency", "2", "--timeout", "2",
                                                            "--listen", "127.0.0.1:0", "--interval", "0.2"],
                                            env: ["XDG_DATA_HOME": dir + "/data"], waitFor: "/metrics)\n")
        defer { kill(stuck.process.processIdentifier, SIGCONT) }
        let line = monitor.stdout.text
        let base = String(line.dropFirst("bkup monitor listening on ".count).prefix { $0 != " " })
        func polls(_ m: String, _ p: String) -> Double { sample(m, #"bkup_monitor_polls_total{project="\#(p)"}"#) ?? 0 }
        guard eventually(30, { polls(httpGet(base + "metrics").text, "stuck") >= 1 ? true : nil }) != nil else {
            return XCTFail("no first poll: \(monitor.stderr.text)")
        }
        kill(stuck.process.processIdentifier, SIGSTOP)
        let before = polls(httpGet(base + "metrics").text, "good")
        // The stuck project holds one of the two turns; the good one polls on meanwhile.
        guard eventually(60, { polls(httpGet(base + "metrics").text, "good") >= before + 5 ? true : nil }) != nil else {
            return XCTFail("the good project stopped polling too: \(httpGet(base + "metrics").text)")
        }
        guard let failing = eventually(60, { () -> String? in
            let m = httpGet(base + "metrics").text
            return sample(m, #"bkup_monitor_poll_success{project="stuck"}"#) == 0 ? m : nil
        }) else { return XCTFail("the stuck project still shows healthy: \(monitor.stderr.text)") }
        XCTAssertEqual(sample(failing, #"bkup_monitor_poll_success{project="good"}"#), 1, failing)
        XCTAssertTrue(monitor.stderr.text.contains("time limit exceeded"), monitor.stderr.text)
        kill(stuck.process.processIdentifier, SIGCONT)
        XCTAssertEqual(monitor.interrupt(), 0, monitor.stderr.text)
        XCTAssertFalse((monitor.stdout.text + monitor.stderr.text).contains(key))
    }

    func testChecksScriptsThatCannotLoadLoopOrBreakTheScrapeAreRefused() throws {
        let server = try ServeProcess(["--in-memory", "--key", key, "--project", "p"])
        let env = ["APPWRITE_ENDPOINT": server.url, "APPWRITE_PROJECT_ID": "p", "APPWRITE_API_KEY": key, "XDG_DATA_HOME": dir + "/data"]
        let missing = try runTool(["monitor", "--once", dir + "/none.lua"], env: env)
        XCTAssertEqual(missing.status, 2, missing.stdout + missing.stderr)
        XCTAssertTrue(missing.stderr.contains("the checks script: cannot open"), missing.stderr)
        XCTAssertFalse(missing.stdout.contains("bkup_monitor_poll_success"), "nothing was reported healthy")
        let broken = try runTool(["monitor", "--once", try write("broken.lua", "if then")], env: env)
        XCTAssertEqual(broken.status, 2, broken.stderr)
        XCTAssertTrue(broken.stderr.contains("broken.lua:1:"), broken.stderr)
        let loop = try runTool(["monitor", "--once", "--timeout", "1", try write("loop.lua", "while true do end")], env: env, timeout: 60)
        XCTAssertEqual(loop.status, 1, loop.stderr)
        XCTAssertTrue(loop.stderr.contains("time limit exceeded"), loop.stderr)
        XCTAssertEqual(sample(loop.stdout, #"bkup_monitor_poll_success{project="p"}"#), 0, loop.stdout)
        let reserved = try runTool(["monitor", "--once", try write("reserved.lua", #"monitor.gauge("g", {__name__ = "v"}, 1)"#)], env: env)
        XCTAssertEqual(reserved.status, 1, reserved.stderr)
        XCTAssertTrue(reserved.stderr.contains("not starting with __"), reserved.stderr)
        XCTAssertFalse(reserved.stdout.contains("__name__"), reserved.stdout)
        let finding = try runTool(["monitor", "--once", try write("finding.lua", #"monitor.finding{bogus = 1}"#)], env: env)
        XCTAssertEqual(finding.status, 1, finding.stderr)
        XCTAssertTrue(finding.stderr.contains("fields check, subject and detail"), finding.stderr)
    }

    /// --html writes into what the path names, as `>` does: a symlink's target, a file's mode kept.
    func testTheHTMLPageIsWrittenIntoThePathNeverReplacingIt() throws {
        let server = try ServeProcess(["--in-memory", "--key", key, "--project", "p"])
        let env = ["APPWRITE_ENDPOINT": server.url, "APPWRITE_PROJECT_ID": "p", "APPWRITE_API_KEY": key, "XDG_DATA_HOME": dir + "/data"]
        let target = try write("page.html", "old")
        chmod(target, 0o600)
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.html", withDestinationPath: target)
        let r = try runTool(["monitor", "--once", "--html", dir + "/link.html"], env: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/link.html")
        XCTAssertEqual(attributes[.type] as? FileAttributeType, .typeSymbolicLink, "the link is still a link")
        XCTAssertTrue(try String(contentsOfFile: target, encoding: .utf8).contains("<html"), "the page went through the link")
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int), 0o600, "mode kept")
    }
}
