import BackupsModels
import BkupJSON
import BkupKit
import BkupTestSupport
import Foundation
import LuaRuntime
import XCTest

/// The operator's library (stdlib/backups/*.lua, cron, dates) against the emulator, with its
/// clock frozen so that only `backups.emulator.advance` moves time.
final class OperatorLibraryTests: XCTestCase {
    var emulator: EmulatorHarness!
    let noticeLines = PrintedLines()
    var notices: [String] { noticeLines.all }
    let printedLines = PrintedLines()
    var printed: [String] { printedLines.all }

    override func setUpWithError() throws {
        emulator = try EmulatorHarness.startBlocking(seed: 5, speed: 0.000001)
    }

    override func tearDownWithError() throws {
        let e = emulator!
        try e.blocking { await e.stop() }
    }

    func host(dryRun: Bool = false) throws -> BkupHost {
        var c = HostConfiguration.testing(emulator)
        c.dryRun = dryRun
        let h = try BkupHost(configuration: c)
        h.notice = noticeLines.append
        h.output = printedLines.append
        return h
    }

    func http(_ method: HTTPMethod, _ path: String, _ queries: [String] = []) throws -> EmulatorHarness.Reply {
        let e = emulator!
        return try e.blocking { try await e.request(method, path + EmulatorHarness.queryString(queries)) }
    }

    func testCronDescribesValidatesAndComputesRunTimes() throws {
        let h = try host()
        let r = try h.run(string: """
            assert(cron.describe("0 2 * * *") == "at 02:00 every day (UTC)")
            assert(cron.describe("*/15 * * * *") == "every 15 minutes (UTC)")
            assert(cron.describe("30 4 * * 1-5") == "at 04:30 on Monday through Friday (UTC)", cron.describe("30 4 * * 1-5"))
            assert(cron.describe("0 0 1 1,7 *") == "at 00:00 on day 1 of the month in January and July (UTC)")
            -- Appwrite's own grammar: L, W, # and ?
            assert(cron.describe("0 3 * * 5#3") == "at 03:00 on the third Friday of the month (UTC)")
            assert(cron.next("0 0 L * *", 1, "2028-02-10T00:00:00.000+00:00")[1] == "2028-02-29T00:00:00.000+00:00")
            assert(cron.previous("0 0 15W * *", 1, "2026-11-20T00:00:00.000+00:00")[1] == "2026-11-16T00:00:00.000+00:00")
            assert(cron.validate("0 0 ? * MON") and not cron.validate("0 0 L,3 * *"))
            assert(cron.describe("@weekly") == "at 00:00 on Sunday (UTC)")
            local next = cron.next("0 2 * * *", 3, "2026-11-26T03:00:00.000+00:00")
            assert(#next == 3 and next[1] == "2026-11-27T02:00:00.000+00:00" and next[3] == "2026-11-29T02:00:00.000+00:00")
            -- 2026-11-30 is a Monday; Unix seconds work as well as ISO dates.
            local weekday = cron.next("0 9 * * MON-FRI", 2, 1795874400)  -- 2026-11-28T12:00Z, a Saturday
            assert(weekday[1] == "2026-11-30T09:00:00.000+00:00" and weekday[2] == "2026-12-01T09:00:00.000+00:00", weekday[1])
            local prev = cron.previous("0 2 * * *", 2, "2026-11-26T02:00:00.000+00:00")
            assert(prev[1] == "2026-11-25T02:00:00.000+00:00" and prev[2] == "2026-11-24T02:00:00.000+00:00")
            local p = cron.parse("*/20 1,2 * * 7")
            assert(#p.minute == 3 and p.minute[2] == 20 and p.hour[2] == 2 and p.dayOfWeek[1] == 0 and #p.month == 12)
            local ok, why = cron.validate("0 25 * * *")
            assert(ok == false and why == "hour 25 is out of range 0-23", why)
            assert(cron.validate("@daily") == true)
            local bad = select(2, pcall(cron.next, "* * *"))
            assert(bad:find("invalid cron expression '%* %* %*': expected 5 fields"), bad)
            local badTime = select(2, pcall(cron.next, "@daily", 1, "yesterday"))
            assert(badTime:find("ISO 8601 date expected"), badTime)
            assert(select(2, pcall(cron.next, "@daily", -1)):find("a count from 0 to 10000 expected, got -1", 1, true))
            assert(select(2, pcall(cron.describe, {})):find("string expected, got table"))
            -- dates: the calendar buckets retention counts in
            local dates = require("dates")
            local t = dates.parse("2026-01-01T12:30:00.250+02:00")
            assert(dates.format(t) == "2026-01-01T10:30:00.250+00:00", dates.format(t))
            assert(dates.week("2026-01-01T00:00:00.000+00:00") == "2026-W01" and dates.week("2027-01-01T00:00:00.000+00:00") == "2026-W53")
            assert(dates.parse("nonsense") == nil)
            return cron.describe("0 3 1 * *")
            """)
        XCTAssertEqual(r, ["at 03:00 on day 1 of the month (UTC)"])
    }

    /// Five databases: db-0001 and db-0005 have no policy, db-0002's drifted, db-0003 has a
    /// hand-made one to adopt, db-0004's covers the wrong service; and a database whose ID is
    /// too long for the ID template fails without stopping the others.
    func testRotateConvergesOnceNeverUncoversAndReportsFailures() throws {
        let h = try host()
        _ = try h.run(string: """
            local P = backups.policies
            P.create{id = "nightly-db-0002", name = "old", services = {"databases"}, resourceId = "db-0002", retention = 7, schedule = "0 3 * * *"}
            P.create{id = "extra-2", name = "weekly", services = {"databases"}, resourceId = "db-0002", retention = 60, schedule = "@weekly"}
            P.create{id = "handmade-3", name = "mine", services = {"databases"}, resourceId = "db-0003", retention = 30, schedule = "0 2 * * *"}
            P.create{id = "nightly-db-0004", name = "Nightly Database 4", services = {"tablesdb"}, resourceId = "db-0004", retention = 30, schedule = "0 2 * * *"}
            -- a database with a long ID: restored from an archive of db-0001
            local a = backups.archives.create{services = {"databases"}, resourceId = "db-0001"}
            backups.emulator.advance(60)
            local r = backups.restorations.create{archiveId = a.id, services = {"databases"},
              newResourceId = "orders-eu-west-primary-replica-01", newResourceName = "Orders replica"}
            backups.emulator.advance(60)
            assert(backups.restorations.get(r.id).status == "completed")
            """)
        let r = try h.run(string: """
            local spec = {schedule = "0 2 * * *", retention = 30, id = "nightly-{resourceId}", name = "Nightly {resourceName}"}
            local lowest = {}
            local function count(rid)
              return backups.policies.list{Query.equal("resourceId", rid)}.total
            end
            local first = backups.rotate("databases", spec, {onChange = function(change)
              local n = count(change.resourceId)
              lowest[change.resourceId] = math.min(lowest[change.resourceId] or n, n)
            end})
            local function ids(list) local out = {} for i, e in ipairs(list) do out[i] = e.resourceId end table.sort(out) return table.concat(out, ",") end
            assert(ids(first.created) == "db-0001,db-0005", ids(first.created))
            assert(ids(first.updated) == "db-0002,db-0003", ids(first.updated))
            assert(ids(first.replaced) == "db-0004", ids(first.replaced))
            assert(#first.deleted == 0 and #first.unchanged == 0)
            assert(ids(first.failed) == "orders-eu-west-primary-replica-01", ids(first.failed))
            assert(first.failed[1].reason:find("policy ID .nightly%-orders%-eu%-west%-primary%-replica%-01. %(from the template"), first.failed[1].reason)
            assert(not first.ok)
            for rid, n in pairs(lowest) do assert(n >= 1, rid .. " was left without a policy") end
            assert(lowest["db-0004"] == 1)
            -- the replacement took an alternate ID; the old one is gone; the adopted one kept its ID
            assert(first.replaced[1].policyId == "nightly-db-0004-2", first.replaced[1].policyId)
            local p4 = backups.policies.list{Query.equal("resourceId", "db-0004")}.policies
            assert(#p4 == 1 and p4[1].services[1] == "databases" and p4[1].id == "nightly-db-0004-2")
            local p3 = backups.policies.get("handmade-3")
            assert(p3.name == "Nightly Database 3" and p3.schedule == "0 2 * * *")
            local p2 = backups.policies.get("nightly-db-0002")
            assert(p2.retention == 30 and p2.schedule == "0 2 * * *" and p2.name == "Nightly Database 2")
            local line = tostring(first)

            local second = backups.rotate("databases", spec)
            assert(#second.created + #second.updated + #second.replaced + #second.deleted == 0, tostring(second))
            assert(#second.unchanged == 5 and #second.failed == 1)

            -- prune: db-0002's weekly policy is outside the spec
            local pruned = backups.rotate({"db-0002", "db-0003"}, spec, {prune = true})
            assert(#pruned.deleted == 1 and pruned.deleted[1].policyId == "extra-2" and #pruned.unchanged == 2, tostring(pruned))
            local ok, err = pcall(backups.policies.get, "extra-2")
            assert(not ok and err.code == 404)
            local third = backups.rotate({kind = "databases", ids = {"db-0001", "db-9999"}}, spec)
            assert(#third.unchanged == 1 and #third.failed == 1 and third.failed[1].reason == "no such database")
            return line, #first:lines()
            """)
        XCTAssertEqual(r, ["rotate: 2 created, 2 updated, 1 replaced, 0 deleted, 0 unchanged, 1 failed", 6])
    }

    func testRotateRefusesBadSpecsAndDryRunChangesNothing() throws {
        let h = try host()
        let r = try h.run(string: """
            local function why(...) local ok, e = pcall(backups.rotate, ...) assert(not ok) return e end
            assert(why("databases", {schedule = "0 25 * * *", retention = 3}):find("not a valid cron expression: hour 25"))
            assert(why("databases", {schedule = "@daily", retention = 0}):find("retention must be a positive integer"))
            assert(why("databases", {schedule = "@daily", retention = 3, id = "{resource}"}):find("unknown placeholder {resource}"))
            assert(why("databases", {schedule = "@daily", retention = 3, sched = 1}):find("unknown field 'sched'"))
            assert(why("tables", {schedule = "@daily", retention = 3}):find("unknown resource kind 'tables'"))
            assert(why(42, {schedule = "@daily", retention = 3}):find("selector expected"))
            assert(why("databases", {schedule = "@daily", retention = 3, id = "nightly"}):find("names the same policy for every resource"))
            -- a resource query, and buckets (their service is storage)
            local one = backups.rotate({kind = "databases", queries = {Query.equal("$id", {"db-0002", "db-0004"})}},
                                       {schedule = "@daily", retention = 3})
            assert(#one.created == 2 and one.created[1].policyId == "bkup-db-0002", tostring(one))
            backups.emulator.seed{buckets = 2}
            local buckets = backups.rotate("buckets", {schedule = "@weekly", retention = 14, id = "weekly-{resourceId}"})
            assert(#buckets.created == 2, tostring(buckets))
            local b = backups.policies.get("weekly-bucket-0001")
            assert(b.services[1] == "storage" and b.resourceType == "bucket", b.resourceType)
            local report = backups.rotate("databases", {schedule = "@daily", retention = 3})
            assert(#report.created == 3 and #report.unchanged == 2)
            return tostring(report)
            """)
        XCTAssertEqual(r, ["rotate: 3 created, 0 updated, 0 replaced, 0 deleted, 2 unchanged, 0 failed"])
        let before = try http(.GET, "/backups/policies").text

        let dry = try host(dryRun: true)
        let planned = try dry.run(string: """
            local report = backups.rotate("databases", {schedule = "0 4 * * *", retention = 9, services = {"tablesdb"}})
            return tostring(report), #report.replaced
            """)
        XCTAssertEqual(planned, ["rotate (dry run): 0 created, 0 updated, 5 replaced, 0 deleted, 0 unchanged, 0 failed", 5])
        XCTAssertEqual(try http(.GET, "/backups/policies").text, before, "a dry run sends no mutation")
        XCTAssertTrue(notices.contains { $0.hasPrefix("+ policy bkup-db-0001-2 (tablesdb, resource db-0001, 0 4 * * *, 9d)") }, "\(notices)")
        XCTAssertTrue(notices.contains("- policy bkup-db-0001"), "\(notices)")
    }

    /// 400 days of daily archives (a few failed), pruned 7/4/12/1, keep exactly the GFS set
    /// computed here independently, plus the newest and the one still in progress.
    func testRetentionKeepsExactlyTheGrandfatherFatherSonSet() throws {
        let h = try host()
        _ = try h.run(string: """
            backups.policies.create{id = "daily-1", services = {"databases"}, resourceId = "db-0001", retention = 1000, schedule = "0 2 * * *"}
            backups.policies.create{id = "daily-2", services = {"databases"}, resourceId = "db-0002", retention = 1000, schedule = "0 3 * * *"}
            """)
        let e = emulator!
        try e.blocking { try await e.faults(["archiveFailureRate": 0.05]) }
        try e.blocking { try await e.advance(days: 400) }
        try e.blocking { try await e.faults(["archiveFailureRate": 0]) }
        _ = try h.run(string: "backups.archives.create{services = {'databases'}, resourceId = 'db-0001'}")  // pending: clock frozen

        struct Archive { let id: String; let date: Date; let status: String; let resource: String }
        var archives: [Archive] = []
        var cursor: String?
        repeat {
            var q = [#"{"method":"limit","values":[500]}"#]
            if let cursor { q.append(#"{"method":"cursorAfter","values":["\#(cursor)"]}"#) }
            let page = try http(.GET, "/backups/archives", q).json["archives"]!.arrayValue!
            for a in page {
                archives.append(Archive(id: a["$id"]!.stringValue!, date: WireDate.parse(a["$createdAt"]!.stringValue!)!,
                                        status: a["status"]!.stringValue!, resource: a["resourceId"]!.stringValue!))
            }
            cursor = page.count == 500 ? page.last!["$id"]!.stringValue! : nil
        } while cursor != nil
        XCTAssertGreaterThanOrEqual(archives.count, 801)
        XCTAssertTrue(archives.contains { $0.status == "failed" })

        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var expectedKeep = Set<String>()
        for resource in ["db-0001", "db-0002"] {
            let mine = archives.filter { $0.resource == resource }
            expectedKeep.formUnion(mine.filter { !["completed", "failed", "skipped"].contains($0.status) }.map(\.id))
            let completed = mine.filter { $0.status == "completed" }.sorted { $0.date > $1.date }
            expectedKeep.insert(completed[0].id)
            let rules: [(Int, (Date) -> String)] = [
                (7, { let c = calendar.dateComponents([.year, .month, .day], from: $0); return "\(c.year!)-\(c.month!)-\(c.day!)" }),
                (4, { let c = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: $0); return "\(c.yearForWeekOfYear!)-W\(c.weekOfYear!)" }),
                (12, { let c = calendar.dateComponents([.year, .month], from: $0); return "\(c.year!)-\(c.month!)" }),
                (1, { "\(calendar.component(.year, from: $0))" }),
            ]
            for (count, bucket) in rules {
                var seen: [String] = []
                for a in completed where seen.count < count {
                    let b = bucket(a.date)
                    if seen.last != b {
                        seen.append(b)
                        expectedKeep.insert(a.id)
                    }
                }
            }
        }

        // A dry run of the whole job deletes nothing.
        let dry = try host(dryRun: true)
        let dryResult = try dry.run(string: "return tostring(backups.retention{daily = 7, weekly = 4, monthly = 12, yearly = 1})")
        XCTAssertTrue(dryResult[0].stringValue!.hasPrefix("retention (dry run): \(archives.count - expectedKeep.count) deleted"), "\(dryResult)")
        XCTAssertEqual(try http(.GET, "/backups/archives", [#"{"method":"limit","values":[1]}"#]).json["total"]?.intValue, Int64(archives.count))

        let r = try h.run(string: """
            local plan = backups.retention.plan{daily = 7, weekly = 4, monthly = 12, yearly = 1}
            local keep = {}
            for _, a in ipairs(plan.keep) do keep[#keep + 1] = a.id end
            table.sort(keep)
            local reasons = {}
            for _, row in ipairs(plan:rows()) do reasons[row["$id"]] = row.why end
            local result = backups.retention.apply(plan, {concurrency = 8})
            assert(result.ok and #result.deleted == #plan.delete, tostring(result))
            local again = backups.retention.plan{daily = 7, weekly = 4, monthly = 12, yearly = 1}
            assert(#again.delete == 0, tostring(again))
            return table.concat(keep, ","), #plan.resources, tostring(plan)
            """)
        XCTAssertEqual(Set(r[0].stringValue!.split(separator: ",").map(String.init)), expectedKeep)
        XCTAssertEqual(r[1], 2)
        var remaining = Set<String>()
        for page in [try http(.GET, "/backups/archives", [#"{"method":"limit","values":[500]}"#]).json] {
            for a in page["archives"]!.arrayValue! { remaining.insert(a["$id"]!.stringValue!) }
        }
        XCTAssertEqual(remaining, expectedKeep)
    }

    func testRetentionRulesAreCheckedAndAPlanIsRequired() throws {
        let h = try host()
        let r = try h.run(string: """
            local function why(f, ...) local ok, e = pcall(f, ...) assert(not ok) return e end
            assert(why(backups.retention.plan, {daily = -1}):find("daily must be a non%-negative integer"))
            assert(why(backups.retention.plan, {hourly = 3}):find("unknown field 'hourly'"))
            assert(why(backups.retention.plan, {daily = 7, keepFailed = "yes"}):find("field 'keepFailed': boolean expected, got string"))
            assert(why(backups.retention.plan, {}):find("no rule keeps anything"))
            assert(why(backups.retention.apply, {delete = {}}):find("a plan from retention.plan expected"))
            local plan = backups.retention.plan{daily = 1}
            return #plan.delete, #plan.keep
            """)
        XCTAssertEqual(r, [0, 0])
    }

    func testWaitAllWaitsForManyAtOnceWithTimeoutsAndMissingOnes() throws {
        let h = try host()
        let r = try h.run(string: """
            backups.emulator.seed{databases = 55}
            local ids = {}
            for db in backups.resources.databases.each() do ids[#ids + 1] = db.id end
            local started = task.map(ids, function(id) return backups.archives.create{services = {"databases"}, resourceId = id} end)
            assert(#started == 60)
            -- the clock is frozen: nothing finishes until someone moves it
            local results, errors = backups.archives.waitAll(started, {timeout = 0.3, interval = 0.1})
            assert(next(results) == nil)
            local n = 0 for _, e in pairs(errors) do n = n + 1; assert(e.type == "timeout", e.type) end
            assert(n == 60)
            backups.archives.delete(started[7].id)
            task.spawn(function() task.sleep(0.2) backups.emulator.advance(120) end)
            -- the progress bar is fed as records settle
            local progress = {}
            local draw = task._progress
            task._progress = function(...) progress[#progress + 1] = {...} end
            results, errors = backups.archives.waitAll(started, {timeout = 30, interval = 0.05})
            task._progress = draw
            local last = progress[#progress]
            assert(last[1] == 60 and last[2] == 60 and last[3] == 1 and last[4] == true, table.concat(last, " ", 1, 3))
            for i = 2, #progress do assert(progress[i][1] >= progress[i - 1][1]) end
            local done = 0
            for i = 1, 60 do if results[i] then done = done + 1; assert(results[i].status == "completed") end end
            assert(done == 59 and errors[7] and errors[7].code == 404 and next(errors, 7) == nil)
            -- Query.equalAny: any number of values, as queries the service accepts
            local many = {}
            for i = 1, 120 do many[i] = string.format("id-%03d", i) end
            local qs = Query.equalAny("$id", many)
            assert(#qs == 3 and #json.decode(qs[1]).values == 50 and #json.decode(qs[3]).values == 20)
            local long = {}
            for i = 1, 100 do long[i] = string.rep("x", 35) .. (i % 10) end
            for _, q in ipairs(Query.equalAny("$id", long)) do assert(#q <= 4096, #q) end
            local bad = select(2, pcall(backups.archives.waitAll, {42}))
            assert(bad:find("item #1: ID or record expected, got number"), bad)
            return done
            """)
        XCTAssertEqual(r, [59])
    }

    func testReportRendersTablesCSVAndJSONLinesAndSummaries() throws {
        let h = try host()
        let r = try h.run(string: """
            local P = backups.policies
            P.create{id = "p-1", name = "Nightly, \\"main\\"", services = {"databases"}, resourceId = "db-0001", retention = 30, schedule = "0 2 * * *"}
            P.create{id = "p-22", name = "Café", services = {"databases", "tablesdb"}, resourceId = "db-0002", retention = 7, schedule = "@daily"}
            local list = backups.policies.list{Query.orderAsc("$id")}.policies
            local report = backups.report
            local tbl = report.render(list, {columns = {"id", "name", "services", "retention"}})
            local csv = report.render(list, {format = "csv", columns = {"$id", "name", "retention"}})
            local jsonl = report.render(list, {format = "jsonl", columns = {"$id", "retention"}})
            local bad = select(2, pcall(report.render, list, {format = "xml"}))
            assert(bad:find("format must be table, csv or jsonl"), bad)
            assert(report.kind(list[1]) == "policy")
            -- a summary of archives, and a stale schedule: enabled, but its runs' archives are gone
            P.create{id = "silent", services = {"databases"}, resourceId = "db-0003", retention = 30, schedule = "0 6 * * *"}
            backups.archives.create{services = {"databases"}, resourceId = "db-0001"}
            backups.emulator.advance(3 * 86400)
            local made = {}
            for a in backups.archives.each{Query.equal("policyId", "silent")} do made[#made + 1] = a.id end
            assert(#made == 3, #made)
            for _, id in ipairs(made) do backups.archives.delete(id) end
            local policies, archives = {}, {}
            for p in backups.policies.each() do policies[#policies + 1] = p end
            for a in backups.archives.each() do archives[#archives + 1] = a end
            local s = report.summary(archives)
            local stale = report.stale(policies, archives)
            assert(#stale == 1 and stale[1].policy.id == "silent" and stale[1].last == nil, #stale)
            return tbl, csv, jsonl, s.count, s.byStatus.completed, s.byResource["db-0001"].count, s.size > 0
            """)
        XCTAssertEqual(r[0].stringValue!, """
            id    name             services            retention
            ----  ---------------  ------------------  ---------
            p-1   Nightly, "main"  databases                  30
            p-22  Café             databases,tablesdb          7
            """)
        XCTAssertEqual(r[1].stringValue!, "id,name,retention\r\np-1,\"Nightly, \"\"main\"\"\",30\r\np-22,Café,7")
        XCTAssertEqual(r[2].stringValue!, "{\"$id\":\"p-1\",\"retention\":30}\n{\"$id\":\"p-22\",\"retention\":7}")
        // 1 manual + 3 nightly (db-0001) + 3 daily (db-0002); the silent policy made none.
        XCTAssertEqual(Array(r[3...]), [7, 7, 4, true])
    }

    func testHelpDescribesTheLibrary() throws {
        let h = try host()
        _ = try h.run(string: "local help = require('help').help help(backups.rotate) help(cron.next) help(backups.retention.plan)")
        // One entry a call: the usage, the description, the signature the editor types declare.
        XCTAssertEqual(printed.count, 3, "\(printed)")
        XCTAssertTrue(printed[0].hasPrefix("backups.rotate(selector, spec, {prune?"), printed[0])
        XCTAssertTrue(printed[0].contains("types: backups.rotate(selector:"), printed[0])
        XCTAssertTrue(printed[1].hasPrefix("cron.next(expr, n=1, after=now)"), printed[1])
        XCTAssertTrue(printed[2].hasPrefix("backups.retention.plan{daily="), printed[2])
        XCTAssertTrue(notices.isEmpty, "help starts nothing: \(notices)")
    }

    func testAuditFindsEachKindOfProblem() throws {
        let h = try host()
        let r = try h.run(string: """
            backups.rotate("databases", {schedule = "0 2 * * *", retention = 30})
            backups.emulator.advance(86400)
            local clean = backups.audit()
            assert(clean.ok and #clean.findings == 0, tostring(clean))
            backups.policies.update("bkup-db-0002", {enabled = false})
            backups.policies.delete("bkup-db-0003")
            backups.policies.create{id = "silent", services = {"databases"}, resourceId = "db-0004", retention = 30,
                                    schedule = "0 6 * * *"}
            backups.emulator.advance(3 * 86400)
            -- Its runs made archives; gone, the runs are missed.
            local made = {}
            for a in backups.archives.each{Query.equal("policyId", "silent")} do made[#made + 1] = a.id end
            for _, id in ipairs(made) do backups.archives.delete(id) end
            backups.policies.update("bkup-db-0001", {enabled = false})
            backups.policies.update("bkup-db-0001", {enabled = true})
            local a = backups.archives.create{services = {"databases"}, resourceId = "db-0005"}
            return tostring(clean), a.id
            """)
        let archiveId = r[1].stringValue!
        let e = emulator!
        try e.blocking { try await e.faults(["archiveFailureRate": 1]) }
        _ = try h.run(string: "backups.archives.create{services = {'databases'}, resourceId = 'db-0005'} backups.emulator.advance(60)")
        let audit = try h.run(string: """
            local audit = backups.audit()
            local out = {}
            for _, f in ipairs(audit.findings) do out[#out + 1] = f.check .. " " .. f.subject end
            return tostring(audit), table.concat(out, "; ")
            """)
        XCTAssertEqual(r[0], "audit: no problems (5 resources, 5 policies, 5 archives checked)")
        XCTAssertEqual(audit[0], "audit: 5 problems (2 unprotected, 1 disabled, 1 failed, 1 missed)")
        let findings = audit[1].stringValue!
        XCTAssertTrue(findings.hasPrefix("unprotected db-0002; unprotected db-0003; disabled bkup-db-0002; failed "), findings)
        XCTAssertTrue(findings.hasSuffix("; missed silent"), findings)
        XCTAssertFalse(findings.contains(archiveId), "the completed archive is no failure")
    }
}
