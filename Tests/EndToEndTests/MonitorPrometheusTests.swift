import BkupJSON
import Foundation
import XCTest

/// A real Prometheus (Debian's `prometheus`) on loopback, with the rules that ship
/// (monitoring/alerts.yml), scraping `bkup monitor` over a `bkup serve`: healthy at first, then
/// the service's clock moves past a daily run whose archive fails, and Prometheus's HTTP API
/// shows BkupBackupMissed firing for that database.
final class MonitorPrometheusTests: XCTestCase {
    let key = "monitor-prom-key-0123456789"

    func testPrometheusFiresTheMissedBackupAlertAfterTheClockPassesAFailedRun() throws {
        let prometheus = "/usr/bin/prometheus"
        guard FileManager.default.isExecutableFile(atPath: prometheus) else {
            return XCTFail("Prometheus is not installed (tools/install-deps.sh installs Debian's prometheus)")
        }
        let dir = NSTemporaryDirectory() + "bkup-prom-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try ServeProcess(["--in-memory", "--key", key])
        let env = ["APPWRITE_ENDPOINT": server.url, "APPWRITE_PROJECT_ID": "bkup-local", "APPWRITE_API_KEY": key, "XDG_DATA_HOME": dir + "/data"]
        // A daily backup at 02:00, its first run done: the clock stops at 03:00 that day.
        let setup = try runTool(["-e", #"""
            backups.emulator.seed{databases = 1}
            backups.policies.create{id = "nightly", services = {"databases"}, resourceId = "db-0001", retention = 7, schedule = "0 2 * * *"}
            local dates = require("bkup.dates")
            local now = dates.parse(backups.now())
            backups.emulator.advance(dates.parse(cron.next("0 2 * * *", 1, now)[1]) - now + 3600)
            print(backups.archives.list().archives[1].status)
            """#], env: env)
        XCTAssertEqual(setup.stdout, "completed\n", setup.stderr)

        let monitor = try BackgroundProcess(bkupUnderTest, ["monitor", "--listen", "127.0.0.1:0", "--interval", "0.5"], env: env,
                                            waitFor: "/metrics)\n")
        let target = String(monitor.stdout.text.dropFirst("bkup monitor listening on http://".count).prefix { $0 != "/" })
        let port = freeLoopbackPort()
        try """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - \(packageRoot)/monitoring/alerts.yml
            scrape_configs:
              - job_name: bkup
                static_configs:
                  - targets: ['\(target)']
            """.write(toFile: dir + "/prometheus.yml", atomically: true, encoding: .utf8)
        let prom = try BackgroundProcess(prometheus, ["--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/tsdb",
                                                      "--web.listen-address=127.0.0.1:\(port)"],
                                         waitFor: "Server is ready to receive web requests", inStderr: true)
        let api = "http://127.0.0.1:\(port)/api/v1/"

        func alerts() -> [JSONValue] {
            let text = httpGet(api + "alerts").text
            return (try? JSONCodec.decode(text))?["data"]?["alerts"]?.arrayValue ?? []
        }
        func firing(_ name: String) -> [JSONValue] {
            alerts().filter { $0["labels"]?["alertname"]?.stringValue == name && $0["state"]?.stringValue == "firing" }
        }
        // Scraped and healthy: the poll succeeded, nothing missed.
        let up = eventually(60) { () -> Bool? in
            let text = httpGet(api + "query?query=bkup_monitor_poll_success").text
            return text.contains(#""project":"bkup-local""#) && text.contains(#","1"]"#) ? true : nil
        }
        XCTAssertEqual(up, true, "Prometheus never scraped a successful poll: \(prom.stderr.text.suffix(2000))")
        XCTAssertTrue(firing("BkupBackupMissed").isEmpty, "\(alerts())")

        // The next night's archive fails; the clock moves past it and past the grace.
        try server.request(.POST, "/emulator/faults", key: key, body: ["archiveFailureRate": 1])
        try server.request(.POST, "/emulator/clock", key: key, body: ["advanceSeconds": .integer(86400 + 2 * 3600)])
        let fired = eventually(90) { () -> JSONValue? in firing("BkupBackupMissed").first }
        guard let alert = fired else {
            return XCTFail("BkupBackupMissed never fired: \(alerts()) \(httpGet("http://\(target)/metrics").text.prefix(3000))")
        }
        XCTAssertEqual(alert["labels"]?["resource"]?.stringValue, "db-0001")
        XCTAssertEqual(alert["labels"]?["project"]?.stringValue, "bkup-local")
        XCTAssertEqual(alert["labels"]?["severity"]?.stringValue, "critical")
        // Its archive failed, so the failing-archives alert fires too; the monitor polls fine.
        XCTAssertNotNil(eventually(30) { firing("BkupArchivesFailing").first }, "\(alerts())")
        XCTAssertTrue(firing("BkupMonitorPollFailing").isEmpty)
        XCTAssertFalse(alerts().description.contains(key))
        _ = prom.interrupt()
        XCTAssertEqual(monitor.interrupt(), 0, monitor.stderr.text)
    }
}
