import BkupJSON
import BkupKit
import BkupTestSupport
import XCTest

/// backups.schedules: every run of a policy judged by the one rule the audit and the calendar
/// share, on records made by hand at fixed times.
final class SchedulesTests: XCTestCase {
    var emulator: EmulatorHarness!

    override func setUpWithError() throws {
        emulator = try EmulatorHarness.startBlocking(seed: 0)
    }

    override func tearDownWithError() throws {
        let e = emulator!
        try e.blocking { await e.stop() }
    }

    static let records = #"""
        local S = backups.schedules
        local p = { ["$id"] = "p", enabled = true, schedule = "0 2 * * *", retention = 7,
          ["$createdAt"] = "2026-11-01T00:00:00.000+00:00", ["$updatedAt"] = "2026-11-01T00:00:00.000+00:00" }
        local function a(at, policy) return { ["$id"] = at, policyId = policy or "p", status = "completed", services = { "databases" },
          ["$createdAt"] = at } end
        local archives = { a("2026-11-25T02:00:00.000+00:00"), a("2026-11-26T02:05:00.000+00:00"), a("2026-11-28T02:00:00.000+00:00"),
          a("2026-11-27T02:00:00.000+00:00", "") } -- the 27th's is a manual archive: it is not the policy's run
        local function states(policy, now)
          local out = {}
          for _, run in ipairs(S.runs(policy, archives, now)) do out[#out + 1] = os.date("!%d", run.at) .. "=" .. run.state end
          return out
        end
        """#

    func testEachRunIsCoveredMissedPastRetentionOrPending() throws {
        let host = try BkupHost(configuration: .testing(emulator))
        defer { host.close() }
        let r = try host.run(string: Self.records + "\n" + #"""
            local early = states(p, "2026-11-29T02:30:00.000+00:00")
            local late = states(p, "2026-11-29T03:30:00.000+00:00")
            local changed = { ["$id"] = "p", enabled = true, schedule = "0 2 * * *", retention = 7,
              ["$createdAt"] = "2026-11-01T00:00:00.000+00:00", ["$updatedAt"] = "2026-11-26T00:00:00.000+00:00" }
            local off = { ["$id"] = "p", enabled = false, schedule = "0 2 * * *", retention = 7, ["$createdAt"] = "2026-11-01T00:00:00.000+00:00" }
            local missed = S.missed({ p, off }, archives, "2026-11-29T02:30:00.000+00:00")
            return #early, early[1], early[22], table.concat(early, " ", 23), late[29],
              table.concat(states(changed, "2026-11-29T02:30:00.000+00:00"), " "), #states(off, "2026-11-29T02:30:00.000+00:00"),
              #missed, table.concat(missed[1].runs, " "), missed[1].at
            """#)
        XCTAssertEqual(r, [
            29, "01=expired", "22=expired",
            // 23 and 24 have nothing; 26 came five minutes late; the 27th's archive is not the policy's.
            "23=missed 24=missed 25=covered 26=covered 27=missed 28=covered 29=pending",
            "29=missed",  // an hour on, the 29th's run is missed too
            "26=covered 27=missed 28=covered 29=pending",  // judged from the policy's last change
            0,  // a disabled policy expects nothing
            1, "2026-11-23T02:00:00.000+00:00 2026-11-24T02:00:00.000+00:00 2026-11-27T02:00:00.000+00:00",
            "2026-11-27T02:00:00.000+00:00",
        ])
    }

    /// The calendar draws the rule's runs: missed as !, past retention as -, except where a
    /// day's own archive says more (the 27th's manual archive covers the day).
    func testTheCalendarDrawsTheSameRuns() throws {
        let host = try BkupHost(configuration: .testing(emulator))
        defer { host.close() }
        let r = try host.run(string: Self.records + "\n" + #"""
            local text = backups.report.calendar(archives, { days = 10, policies = { p }, now = "2026-11-29T02:30:00.000+00:00", color = false })
            return text:match("%(project%) +(%S+)"), text:match("%(project%) +%S+ +(.-)\n")
            """#)
        // 20 to 22 past retention (the 22nd's run too), 23 and 24 missed, 25 to 28 covered, 29 pending.
        XCTAssertEqual(r, ["---!!####.", "4/10 days, 2 missed, 3 past retention"])
    }
}
