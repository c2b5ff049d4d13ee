import BkupJSON
import BkupKit
import BkupTestSupport
import Foundation
import XCTest

/// Every function that takes a table of fields checks them the same way, Swift bindings and Lua
/// library alike: an unknown field, or a field of the wrong Lua type, is `bad argument #i to
/// 'name' (...)`, raised before anything is sent, and nothing is stored.
final class OptionTableTests: XCTestCase {
    var emulator: EmulatorHarness!

    override func setUpWithError() throws {
        emulator = try EmulatorHarness.startBlocking(seed: 2)
    }

    override func tearDownWithError() throws {
        let e = emulator!
        try e.blocking { await e.stop() }
    }

    func testEveryOptionsTableRefusesWrongTypesAndUnknownFields() throws {
        let host = try BkupHost(configuration: .testing(emulator))
        defer { host.close() }
        let r = try host.run(string: #"""
            local plan = backups.retention.plan{daily = 1}
            local ok = {services = {"databases"}, retention = 1, schedule = "@daily"}
            local function with(t, k, v) local c = {} for key, value in pairs(t) do c[key] = value end c[k] = v return c end
            local cases = {
              {function() backups.policies.create(with(ok, "services", "databases")) end,
               "bad argument #1 to 'create' (field 'services': list of services expected, got string)"},
              {function() backups.policies.create(with(ok, "servces", {"databases"})) end, "bad argument #1 to 'create' (unknown field 'servces'"},
              {function() backups.policies.create(with(ok, "enabled", "yes")) end, "(field 'enabled': boolean expected, got string)"},
              {function() backups.policies.create(with(ok, "id", 42)) end, "(field 'id': string expected, got number)"},
              {function() backups.policies.update("p", {retention = "7"}) end, "bad argument #2 to 'update' (field 'retention': integer expected, got string)"},
              {function() backups.policies.list({}, {total = "yes"}) end, "bad argument #2 to 'list' (field 'total': boolean expected, got string)"},
              {function() backups.archives.create{services = "databases"} end, "(field 'services': list of services expected, got string)"},
              {function() backups.archives.create{services = {"databases"}, resourceId = {}} end, "(field 'resourceId': string expected, got table)"},
              {function() backups.restorations.create{archiveId = 1, services = {"databases"}} end, "(field 'archiveId': string expected, got number)"},
              {function() backups.emulator.seed{databases = "3"} end, "(field 'databases': integer expected, got string)"},
              {function() backups.connect{project = 42} end, "bad argument #1 to 'connect' (field 'project': string expected, got number)"},
              {function() backups.archives.wait("a", {timeout = "soon"}) end, "bad argument #2 to 'wait' (field 'timeout': number expected, got string)"},
              {function() backups.restorations.wait("r", {intervall = 1}) end, "bad argument #2 to 'wait' (unknown field 'intervall' (fields: interval, timeout))"},
              {function() backups.archives.waitAll({}, {progress = 1}) end, "bad argument #2 to 'waitAll' (field 'progress': boolean expected, got number)"},
              {function() task.map({}, print, {concurrency = "8"}) end, "bad argument #3 to 'map' (field 'concurrency': integer expected, got string)"},
              {function() task.map({}, print, {concurency = 8}) end, "bad argument #3 to 'map' (unknown field 'concurency'"},
              {function() json.encode({}, {pretty = "yes"}) end, "bad argument #2 to 'encode' (field 'pretty': boolean expected, got string)"},
              {function() json.encode({}, {indent = 2}) end, "bad argument #2 to 'encode' (unknown field 'indent'"},
              {function() backups.rotate("databases", with(ok, "services", "databases")) end,
               "bad argument #2 to 'rotate' (field 'services': list of strings expected, got string)"},
              {function() backups.rotate("databases", with(ok, "retention", "30")) end, "bad argument #2 to 'rotate' (field 'retention': integer expected, got string)"},
              {function() backups.rotate("databases", with(ok, "services", nil), {prune = "yes"}) end,
               "bad argument #3 to 'rotate' (field 'prune': boolean expected, got string)"},
              {function() backups.retention.plan{daily = 7, resources = "db-0001"} end,
               "bad argument #1 to 'retention.plan' (field 'resources': list of strings expected, got string)"},
              {function() backups.retention.plan{daily = 7, keepFailed = 1} end, "(field 'keepFailed': boolean expected, got number)"},
              {function() backups.retention.apply(plan, {concurrency = 1.5}) end, "bad argument #2 to 'retention.apply' (field 'concurrency': integer expected, got number)"},
              {function() backups.report.print({}, {columns = "id"}) end, "bad argument #2 to 'print' (field 'columns': list of strings expected, got string)"},
              {function() backups.report.render({}, {format = 1}) end, "bad argument #2 to 'render' (field 'format': string expected, got number)"},
              {function() backups.report.calendar({}, {color = "no", now = 0}) end, "bad argument #2 to 'calendar' (field 'color': boolean expected, got string)"},
              {function() backups.report.calendar({}, {days = 7.5, now = 0}) end, "bad argument #2 to 'calendar' (field 'days': integer expected, got number)"},
              {function() backups.report.sparkline({1}, {width = "3"}) end, "bad argument #2 to 'sparkline' (field 'width': integer expected, got string)"},
              {function() backups.audit{kinds = "databases"} end, "bad argument #1 to 'audit' (field 'kinds': list of strings expected, got string)"},
              {function() backups.audit{checks = {"stale"}} end, "bad argument #1 to 'audit' (unknown check 'stale' (unprotected, disabled, failed, missed))"},
              {function() backups.audit{sinse = 1} end, "bad argument #1 to 'audit' (unknown field 'sinse'"},
            }
            local out = {}
            for i, case in ipairs(cases) do
              local ok, e = pcall(case[1])
              if ok then out[#out + 1] = i .. ": accepted"
              elseif not tostring(e):find(case[2], 1, true) then out[#out + 1] = i .. ": " .. tostring(e) end
            end
            return #cases, table.concat(out, "\n"), backups.policies.list().total, backups.archives.list().total
            """#)
        XCTAssertEqual(r[0], 32)
        XCTAssertEqual(r[1], "", "every case refused with its own words")
        XCTAssertEqual(Array(r[2...]), [0, 0], "nothing was stored")
    }

    /// The same checks do not refuse what is right: lists as tables, absent fields, json.array{}.
    func testWellFormedTablesStillPass() throws {
        let host = try BkupHost(configuration: .testing(emulator))
        defer { host.close() }
        let r = try host.run(string: #"""
            local p = backups.policies.create{id = "p", services = {"databases"}, retention = 1, schedule = "@daily", enabled = true}
            local listed = backups.policies.list({}, {total = true}).total
            local mapped = task.map({1, 2}, function(x) return x * 2 end, {concurrency = 2, progress = false})
            local text = json.encode({b = 1, a = 2}, {sort_keys = true, pretty = false})
            local report = backups.rotate("databases", {schedule = "@daily", retention = 3, services = json.array{"databases"}}, {prune = false})
            local plan = backups.retention.plan{daily = 7, resources = json.array{}}
            return p.id, listed, mapped[2], text, #report.created, #plan.delete
            """#)
        XCTAssertEqual(r, ["p", 1, 4, #"{"a":2,"b":1}"#, 2, 0])
    }
}
