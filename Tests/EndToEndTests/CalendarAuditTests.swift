import Foundation
import XCTest

/// `bkup run audit --calendar` with a 7-day retention, 30 days on: the days whose archives
/// retention deleted are drawn as past retention, not missed; a run whose archive really is
/// missing is `!` in the calendar and a `missed` finding in the audit, the same run in both
/// (one rule: backups.schedules).
final class CalendarAuditTests: XCTestCase {
    func testTheCalendarAndTheAuditAgreeOnWhatIsMissed() throws {
        let dir = NSTemporaryDirectory() + "bkup-calendar-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = ["HOME": dir, "XDG_DATA_HOME": dir + "/data", "XDG_STATE_HOME": dir + "/state", "NO_COLOR": "1"]
        let setup = try runTool(["-e", #"""
            backups.emulator.seed{databases = 2}
            for _, db in ipairs{"db-0001", "db-0002"} do
              backups.policies.create{id = "daily-" .. db, services = {"databases"}, resourceId = db, retention = 7, schedule = "0 2 * * *"}
            end
            backups.emulator.advance(30 * 86400)
            -- One run's archive goes missing: the third newest of db-0002 (its time is over).
            local newest = backups.archives.list{Query.equal("policyId", "daily-db-0002"), Query.orderDesc("$createdAt"), Query.limit(3)}.archives
            backups.archives.delete(newest[3].id)
            print(newest[3].createdAt:sub(1, 10))
            """#], env: env, cwd: dir)
        XCTAssertEqual(setup.status, 0, setup.stderr)
        let missingDay = setup.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let r = try runTool(["run", "audit", "--calendar", "--days", "30"], env: env, cwd: dir)
        XCTAssertEqual(r.status, 1, "a run was missed: \(r.stdout)\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        // The audit: exactly that run, and nothing else.
        XCTAssertTrue(lines.contains("audit: 1 problem (1 missed)"), r.stdout)
        let finding = lines.first { $0.hasPrefix("missed") }
        XCTAssertTrue(finding?.contains("daily-db-0002") == true, r.stdout)
        XCTAssertTrue(finding?.contains("expected an archive at \(missingDay)T02:00:00.000+00:00 and none came") == true, r.stdout)

        // The calendar: rows of 30 cells; the legend names the last day.
        guard let legend = lines.last(where: { $0.contains("days to ") }),
            let range = legend.range(of: #"30 days to [0-9-]+"#, options: .regularExpression)
        else { return XCTFail("no legend: \(r.stdout)") }
        XCTAssertTrue(legend.contains("- past retention"), legend)
        let lastDay = String(legend[range].suffix(10))
        func cells(_ id: String) -> [Character] {
            guard let row = lines.first(where: { $0.hasPrefix(id + " ") }) else { return [] }
            return Array(row.split(separator: " ", omittingEmptySubsequences: true)[1])
        }
        let one = cells("db-0001"), two = cells("db-0002")
        XCTAssertEqual(one.count, 30, r.stdout)
        XCTAssertEqual(two.count, 30, r.stdout)
        // What retention deleted is not missed: 22 or 23 whole days past it, then the kept week.
        XCTAssertFalse(one.contains("!"), "db-0001 missed nothing: \(String(one))")
        XCTAssertGreaterThanOrEqual(one.filter { $0 == "-" }.count, 22, String(one))
        XCTAssertGreaterThanOrEqual(one.filter { $0 == "#" }.count, 6, String(one))
        XCTAssertEqual(String(one.prefix(22)), String(repeating: "-", count: 22), String(one))
        // The one `!` is on the day of the run the audit names.
        XCTAssertEqual(two.filter { $0 == "!" }.count, 1, String(two))
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let column = two.firstIndex(of: "!") ?? 0
        let day = formatter.date(from: lastDay)!.addingTimeInterval(Double(column - 29) * 86400)
        XCTAssertEqual(formatter.string(from: day), missingDay, String(two))
        XCTAssertTrue(lines.contains { $0.hasPrefix("db-0002 ") && $0.hasSuffix("1 missed, \(two.filter { $0 == "-" }.count) past retention") }, r.stdout)
    }
}
