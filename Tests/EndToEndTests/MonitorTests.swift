import BkupJSON
import Foundation
import XCTest

/// `bkup monitor` over a `bkup serve`: every resource judged (protected, missed, failed,
/// unprotected), the scrape accepted by `promtool check metrics`, label values escaped, the key
/// nowhere, the page worst first with every resource, incremental polls, and a project that
/// stops answering shown as failing.
final class MonitorTests: XCTestCase {
    let key = "monitor-key-0123456789abcdef"
    var dir: String!
    var server: ServeProcess!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "bkup-monitor-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        server = try ServeProcess(["--in-memory", "--key", key, "--project", "bkup-local", "--project", "other"])
    }

    override func tearDownWithError() throws {
        server = nil
        try? FileManager.default.removeItem(atPath: dir)
    }

    var env: [String: String] {
        ["APPWRITE_ENDPOINT": server.url, "APPWRITE_PROJECT_ID": "bkup-local", "APPWRITE_API_KEY": key, "XDG_DATA_HOME": dir + "/data"]
    }

    /// db-0001 protected and backed up daily; db-0002 protected, its newest archive gone (a missed
    /// run); db-0003 without a policy, its one archive failed; bucket-0001 without a policy. The
    /// policy of db-0001 has a name that needs escaping in a label.
    func setUpProject() throws {
        let r = try runTool(["-e", #"""
            backups.emulator.seed{databases = 3, buckets = 1}
            backups.policies.create{id = "daily-1", name = 'say "hi" \\ back\nslash', services = {"databases"}, resourceId = "db-0001", retention = 7, schedule = "0 2 * * *"}
            backups.policies.create{id = "daily-2", services = {"databases"}, resourceId = "db-0002", retention = 7, schedule = "0 2 * * *"}
            -- To 06:00, two days after the first run at 02:00: three runs each, whatever the hour now.
            local dates = require("bkup.dates")
            local now = dates.parse(backups.now())
            local first = dates.parse(cron.next("0 2 * * *", 1, now)[1])
            backups.emulator.advance(first - now + 2 * 86400 + 4 * 3600)
            local newest = backups.archives.list{Query.equal("policyId", "daily-2"), Query.orderDesc("$createdAt"), Query.limit(1)}.archives
            backups.archives.delete(newest[1].id)
            """#], env: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        try server.request(.POST, "/emulator/faults", key: key, body: ["archiveFailureRate": 1])
        let failed = try runTool(["-e", #"""
            local a = backups.archives.create{services = {"databases"}, resourceId = "db-0003"}
            backups.emulator.advance(600)
            print(backups.archives.get(a.id).status)
            """#], env: env)
        XCTAssertEqual(failed.stdout, "failed\n", failed.stderr)
        try server.request(.POST, "/emulator/faults", key: key, body: ["clear": true])
    }

    func testOnceJudgesEveryResourceAndPromtoolAcceptsTheScrape() throws {
        try setUpProject()
        let r = try runTool(["monitor", "--once"], env: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        let m = r.stdout
        let db = { (id: String) in #"{project="bkup-local",kind="database",resource="\#(id)"}"# }
        XCTAssertEqual(sample(m, "bkup_resource_protected" + db("db-0001")), 1, m)
        XCTAssertEqual(sample(m, "bkup_resource_protected" + db("db-0002")), 1, m)
        XCTAssertEqual(sample(m, "bkup_resource_protected" + db("db-0003")), 0, m)
        XCTAssertEqual(sample(m, #"bkup_resource_protected{project="bkup-local",kind="bucket",resource="bucket-0001"}"#), 0, m)
        XCTAssertEqual(sample(m, "bkup_resource_missed_runs" + db("db-0001")), 0, m)
        XCTAssertEqual(sample(m, "bkup_resource_missed_runs" + db("db-0002")), 1, m)
        XCTAssertEqual(sample(m, "bkup_resource_last_archive_failed" + db("db-0003")), 1, m)
        XCTAssertEqual(sample(m, #"bkup_archives{project="bkup-local",kind="database",resource="db-0001",status="completed"}"#), 3, m)
        XCTAssertEqual(sample(m, #"bkup_archives{project="bkup-local",kind="database",resource="db-0003",status="failed"}"#), 1, m)
        XCTAssertEqual(sample(m, "bkup_resource_backup_interval_seconds" + db("db-0001")), 86400, m)
        XCTAssertNotNil(sample(m, "bkup_archive_size_bytes" + db("db-0001")), m)
        // The newest completed archive of db-0001 is from 02:00 today, the service's clock 04:00 (+ what the setup took).
        let age = sample(m, "bkup_resource_last_completed_archive_age_seconds" + db("db-0001")) ?? -1
        XCTAssertTrue(age >= 4 * 3600 && age < 5 * 3600, "\(age)")
        let next = sample(m, "bkup_resource_next_scheduled_backup_timestamp_seconds" + db("db-0001")) ?? 0
        XCTAssertEqual(Int(next) % 86400, 2 * 3600, "the next run is at 02:00")
        XCTAssertEqual(sample(m, #"bkup_monitor_poll_success{project="bkup-local"}"#), 1, m)
        XCTAssertGreaterThan(sample(m, #"bkup_monitor_requests_total{project="bkup-local"}"#) ?? 0, 0, m)
        // A label value from the service, escaped as the format requires.
        XCTAssertTrue(m.contains(#"name="say \"hi\" \\ back\nslash""#), m)
        XCTAssertFalse(m.contains(key) || r.stderr.contains(key), "the key shows")

        // Prometheus's own linter accepts the scrape.
        let lint = try runProgram("/usr/bin/promtool", ["check", "metrics"], stdin: m)
        XCTAssertEqual(lint.status, 0, lint.stdout + lint.stderr)
        XCTAssertEqual(lint.stdout + lint.stderr, "", "promtool's lint")
    }

    func testThePageShowsEveryResourceWorstFirstAndAFailingProjectAsFailing() throws {
        try setUpProject()
        try #"{"projects": [{"name": "quiet", "project": "other"}, {"name": "main", "project": "bkup-local"}, {"name": "gone", "project": "nowhere"}]}"#
            .write(toFile: dir + "/fleet.json", atomically: true, encoding: .utf8)
        let page = dir + "/page.html"
        let r = try runTool(["monitor", "--once", "--html", page, "--fleet", dir + "/fleet.json"], env: env)
        XCTAssertEqual(r.status, 1, "a project failed: \(r.stderr)")
        XCTAssertTrue(r.stderr.contains("failing: gone"), r.stderr)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        XCTAssertFalse(html.contains(key))
        XCTAssertFalse(html.contains("http://") || html.contains("https://") || html.contains("src="), "no outside asset")
        // One section a project, the worst first: failing, then missed, then healthy.
        let states = html.matches(#"data-project="([^"]+)" data-state="([^"]+)""#)
        XCTAssertEqual(states.map { $0[0] }, ["gone", "main", "quiet"], html)
        XCTAssertEqual(states.map { $0[1] }, ["failing", "missed", "ok"], html)
        // Every resource, with its state; the worst first.
        let rows = html.matches(#"data-resource="([^"]+)" data-kind="[^"]+" data-state="([^"]+)""#)
        XCTAssertEqual(rows.map { $0[0] }, ["db-0002", "db-0003", "bucket-0001", "db-0001"], html)
        XCTAssertEqual(rows.map { $0[1] }, ["missed", "failed", "unprotected", "ok"], html)
        // The calendar, backups.report.calendar's characters: db-0001 covered on the last 3 days.
        XCTAssertTrue(html.contains(#"<span class="c completed">#</span><span class="c completed">#</span><span class="c completed">#</span></td>"#), html)
        XCTAssertTrue(html.contains(#"<span class="c missed">!</span></td>"#), "db-0002's missed run is today")
    }

    /// The page as a browser shows it: Debian's Chromium, headless, from the file alone (no
    /// network). Its DOM holds every resource; its screenshot shows the badges' colours (red for
    /// missed and failed, amber for unprotected, green for ok and completed days), which a blank or
    /// unstyled page would not.
    func testChromiumRendersThePage() throws {
        let chromium = "/usr/bin/chromium"
        guard FileManager.default.isExecutableFile(atPath: chromium) else {
            return XCTFail("Chromium is not installed (tools/install-deps.sh installs Debian's chromium)")
        }
        try setUpProject()
        let page = dir + "/page.html", shot = dir + "/page.png"
        let r = try runTool(["monitor", "--once", "--html", page], env: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        let browser = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(dir!)/profile",
                       "--window-size=1280,720"]
        let home = ["HOME": dir!]
        let dom = try runProgram(chromium, browser + ["--dump-dom", "file://" + page], env: home, timeout: 120)
        XCTAssertEqual(dom.status, 0, dom.stderr)
        for id in ["db-0001", "db-0002", "db-0003", "bucket-0001"] {
            XCTAssertTrue(dom.stdout.contains(#"data-resource="\#(id)""#), "\(id) in the DOM: \(dom.stdout.prefix(2000))")
        }
        XCTAssertTrue(dom.stdout.contains(#"data-project="bkup-local" data-state="missed""#), dom.stdout)
        let taken = try runProgram(chromium, browser + ["--screenshot=" + shot, "file://" + page], env: home, timeout: 120)
        XCTAssertEqual(taken.status, 0, taken.stderr)
        let colours = try runProgram("/usr/bin/python3", [packageRoot + "/Tests/EndToEndTests/png_colors.py", shot, "cc3333", "dd9900", "33aa33"])
        XCTAssertEqual(colours.status, 0, colours.stderr)
        let counts = (try? JSONCodec.decode(colours.stdout))?["counts"]
        XCTAssertGreaterThan(counts?["cc3333"]?.intValue ?? 0, 1000, colours.stdout)  // the project's border, two badges, the failed and missed days
        XCTAssertGreaterThan(counts?["dd9900"]?.intValue ?? 0, 200, colours.stdout)   // the unprotected badge
        XCTAssertGreaterThan(counts?["33aa33"]?.intValue ?? 0, 200, colours.stdout)   // the ok badge and the completed days
    }

    func testServesPollsWhatChangedAndShowsAProjectThatStopsAnsweringAsFailing() throws {
        try setUpProject()
        let monitor = try BackgroundProcess(bkupUnderTest, ["monitor", "--listen", "127.0.0.1:0", "--interval", "0.2"], env: env,
                                            waitFor: "/metrics)\n")
        let line = monitor.stdout.text
        XCTAssertTrue(line.hasPrefix("bkup monitor listening on http://127.0.0.1:"), line)
        let base = String(line.dropFirst("bkup monitor listening on ".count).prefix { $0 != " " })
        let polls = #"bkup_monitor_polls_total{project="bkup-local"}"#
        let read = #"bkup_monitor_archives_read_total{project="bkup-local"}"#
        guard let first = eventually(30, { () -> String? in
            let m = httpGet(base + "metrics").text
            return (sample(m, polls) ?? 0) >= 2 ? m : nil
        }) else { return XCTFail("no second poll: \(monitor.stderr.text)") }
        let firstPolls = sample(first, polls)!, firstRead = sample(first, read)!
        XCTAssertGreaterThanOrEqual(firstRead, 5, "the first poll read every archive")
        // Later polls read what changed (the newest archive again, as the cursor includes its time), not the history.
        guard let later = eventually(30, { () -> String? in
            let m = httpGet(base + "metrics").text
            return (sample(m, polls) ?? 0) >= firstPolls + 3 ? m : nil
        }) else { return XCTFail("no later polls") }
        let perPoll = (sample(later, read)! - firstRead) / (sample(later, polls)! - firstPolls)
        XCTAssertLessThanOrEqual(perPoll, 1, later)
        XCTAssertEqual(sample(later, #"bkup_monitor_full_reads_total{project="bkup-local"}"#), 1, later)
        let page = httpGet(base)
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains(#"<meta http-equiv="refresh""#), page.text)
        XCTAssertTrue(page.text.contains(#"data-project="bkup-local" data-state="missed""#), page.text)

        // The service goes away: the project is failing, never healthy.
        server.kill9()
        guard let failing = eventually(60, { () -> String? in
            let m = httpGet(base + "metrics").text
            return sample(m, #"bkup_monitor_poll_success{project="bkup-local"}"#) == 0 ? m : nil
        }) else { return XCTFail("still healthy without a service") }
        XCTAssertFalse(failing.contains(key))
        let shown = httpGet(base).text
        XCTAssertTrue(shown.contains(#"data-project="bkup-local" data-state="failing""#), shown)
        XCTAssertTrue(shown.contains("The last poll failed"), shown)
        XCTAssertEqual(monitor.interrupt(), 0, monitor.stderr.text)
        XCTAssertFalse(monitor.stderr.text.contains(key))
    }

    /// A policy without a resourceId covers every database of the project; its archives count for each.
    func testAProjectWidePolicyCoversEveryResourceOfItsService() throws {
        let other = env.merging(["APPWRITE_PROJECT_ID": "other"]) { $1 }
        let setup = try runTool(["-e", #"""
            backups.emulator.seed{databases = 2, buckets = 1}
            backups.policies.create{id = "all-dbs", services = {"databases"}, retention = 7, schedule = "0 2 * * *"}
            local dates = require("bkup.dates")
            local now = dates.parse(backups.now())
            backups.emulator.advance(dates.parse(cron.next("0 2 * * *", 1, now)[1]) - now + 3600)
            """#], env: other)
        XCTAssertEqual(setup.status, 0, setup.stderr)
        let r = try runTool(["monitor", "--once"], env: other)
        XCTAssertEqual(r.status, 0, r.stderr)
        for id in ["db-0001", "db-0002"] {
            let labels = #"{project="other",kind="database",resource="\#(id)"}"#
            XCTAssertEqual(sample(r.stdout, "bkup_resource_protected" + labels), 1, r.stdout)
            XCTAssertEqual(sample(r.stdout, "bkup_resource_missed_runs" + labels), 0, r.stdout)
            XCTAssertEqual(sample(r.stdout, #"bkup_archives{project="other",kind="database",resource="\#(id)",status="completed"}"#), 1, r.stdout)
        }
        XCTAssertEqual(sample(r.stdout, #"bkup_resource_protected{project="other",kind="bucket",resource="bucket-0001"}"#), 0, r.stdout)
        // In the calendar too: the databases' rows have the archive's day, the bucket's none.
        let page = dir + "/page.html"
        XCTAssertEqual(try runTool(["monitor", "--once", "--html", page], env: other).status, 0)
        let rows = try String(contentsOfFile: page, encoding: .utf8).split(separator: "\n").filter { $0.contains("data-resource=") }
        XCTAssertEqual(rows.filter { $0.contains("c completed") }.count, 2, rows.joined(separator: "\n"))
        XCTAssertFalse(rows.first { $0.contains("bucket-0001") }?.contains("c completed") ?? true)
    }

    /// `bkup monitor CHECKS.lua`: the script runs after each poll with its data; its gauges join
    /// /metrics (escaped, with the project's label) and the page, its findings the page's; a
    /// script that fails makes the poll fail, and a gauge named like bkup's own is refused.
    func testAChecksScriptAddsGaugesAndFindings() throws {
        try setUpProject()
        let script = dir + "/checks.lua"
        try #"""
            local data = ...
            local unprotected = 0
            for _, r in ipairs(data.resources) do if not r.protected then unprotected = unprotected + 1 end end
            monitor.gauge("team_unprotected_resources", {team = 'ops "blue"'}, unprotected)
            monitor.finding{check = "team", subject = "ops", detail = unprotected .. " resources without a policy"}
            """#.write(toFile: script, atomically: true, encoding: .utf8)
        let r = try runTool(["monitor", "--once", script], env: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(sample(r.stdout, #"team_unprotected_resources{project="bkup-local",team="ops \"blue\""}"#), 2, r.stdout)
        let lint = try runProgram("/usr/bin/promtool", ["check", "metrics"], stdin: r.stdout)
        XCTAssertEqual(lint.status, 0, lint.stdout + lint.stderr)
        let page = dir + "/page.html"
        XCTAssertEqual(try runTool(["monitor", "--once", "--html", page, script], env: env).status, 0)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        XCTAssertTrue(html.contains("<li><b>team</b> ops: 2 resources without a policy</li>"), html)
        XCTAssertTrue(html.contains("team_unprotected_resources{team=ops &quot;blue&quot;}</code> 2"), html)

        try #"monitor.gauge("bkup_resource_protected", {}, 1)"#.write(toFile: script, atomically: true, encoding: .utf8)
        let refused = try runTool(["monitor", "--once", script], env: env)
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("bad argument #1 to 'gauge' (a metric name expected"), refused.stderr)
        XCTAssertEqual(sample(refused.stdout, #"bkup_monitor_poll_success{project="bkup-local"}"#), 0, refused.stdout)
    }

    func testListenAndIntervalAreChecked() throws {
        for (args, message) in [(["--interval", "0"], "--interval: a number of seconds from 0.1 to 604800 (a week) expected, got '0'"),
                                (["--listen", "127.0.0.1"], "--listen: ADDR:PORT expected, got '127.0.0.1'"),
                                (["--listen", "127.0.0.1:70000"], "--listen: a port from 0 to 65535 expected, got '70000'"),
                                (["--html", "x.html"], "--html FILE writes one poll's page: it goes with --once")] {
            let r = try runTool(["monitor"] + args, env: env)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }
}

extension String {
    /// Every match of `pattern`: its capture groups.
    func matches(_ pattern: String) -> [[String]] {
        let regex = try! NSRegularExpression(pattern: pattern)
        let ns = self as NSString
        return regex.matches(in: self, range: NSRange(location: 0, length: ns.length)).map { m in
            (1..<m.numberOfRanges).map { ns.substring(with: m.range(at: $0)) }
        }
    }
}
