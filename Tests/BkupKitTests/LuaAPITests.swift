import BkupJSON
import BkupKit
import BkupTestSupport
import Foundation
import LuaRuntime
import XCTest

final class LuaAPITests: XCTestCase {
    var emulator: EmulatorHarness!
    let noticeLines = PrintedLines()
    var notices: [String] { noticeLines.all }
    let printedLines = PrintedLines()
    var printed: [String] { printedLines.all }

    override func setUpWithError() throws {
        emulator = try EmulatorHarness.startBlocking(seed: 5)
    }

    override func tearDownWithError() throws {
        let e = emulator!
        try e.blocking { await e.stop() }
    }

    func host(dryRun: Bool = false, concurrency: Int = 16, endpoint: String? = nil) throws -> BkupHost {
        var c = HostConfiguration.testing(emulator, endpoint: endpoint)
        c.dryRun = dryRun
        c.concurrency = concurrency
        let h = try BkupHost(configuration: c)
        h.notice = noticeLines.append
        h.output = printedLines.append
        return h
    }

    func http(_ method: HTTPMethod, _ path: String) throws -> EmulatorHarness.Reply {
        let e = emulator!
        return try e.blocking { try await e.request(method, path) }
    }

    func testTwoHundredPoliciesCreatedAndUpdatedConcurrently() throws {
        let h = try host()
        let r = try h.run(string: """
            local ids = {}
            for i = 1, 200 do ids[i] = string.format("nightly-%03d", i) end
            local created, errs = task.map(ids, function(id, i)
              return backups.policies.create{id = id, name = "Nightly " .. i, services = {"databases"},
                                             retention = 7, schedule = "0 2 * * *"}
            end, {concurrency = 16})
            assert(next(errs) == nil, "no failures")
            local updated = task.map(created, function(p)
              return backups.policies.update(p.id, {retention = 30, schedule = "30 3 * * *"})
            end, {concurrency = 16})
            return #created, #updated, updated[200].retention, updated[1].id, created[1]["$id"]
            """)
        XCTAssertEqual(r, [200, 200, 30, "nightly-001", "nightly-001"])
        let listed = try http(.GET, "/backups/policies" + EmulatorHarness.queryString([#"{"method":"limit","values":[500]}"#]))
        XCTAssertEqual(listed.json["total"], 200)
        for p in listed.json["policies"]!.arrayValue! {
            XCTAssertEqual(p["retention"], 30)
            XCTAssertEqual(p["schedule"], "30 3 * * *")
        }
    }

    func testEachWalksEveryPageAndListGivesOnePage() throws {
        let h = try host()
        let r = try h.run(string: """
            for i = 1, 23 do backups.policies.create{id = "p" .. i, services = {"databases"}, retention = i, schedule = "@daily"} end
            local seen, count = {}, 0
            for p in backups.policies.each{Query.greaterThan("retention", 3), Query.orderDesc("retention"), Query.limit(4)} do
              assert(not seen[p.id]); seen[p.id] = true; count = count + 1
            end
            local page = backups.policies.list{Query.limit(5)}
            local p1 = backups.policies.get("p1")
            local encoded = json.decode(json.encode(p1))
            assert(p1.id == "p1" and p1.createdAt == p1["$createdAt"], "read aliases")
            assert(encoded["$id"] == "p1" and encoded.id == nil and encoded.createdAt == nil, "wire names only")
            assert(rawget(p1, "resourceId") == nil, "null fields are nil")
            local dbs = 0
            for d in backups.resources.databases.each() do dbs = dbs + 1 end
            return count, page.total, #page.policies, dbs
            """)
        XCTAssertEqual(r, [20, 23, 5, 5])
    }

    func testErrorsAsLuaSeesThem() throws {
        let h = try host()
        let r = try h.run(string: """
            local out = {}
            local function try(f, ...)
              local ok, e = pcall(f, ...)
              assert(not ok)
              if type(e) == "string" then return e end
              return string.format("%s|%s|%s", e.code, e.type, tostring(e))
            end
            backups.policies.create{id = "dup", services = {"databases"}, retention = 1, schedule = "@daily"}
            out[1] = try(backups.policies.get, "missing")
            out[2] = try(backups.policies.create, {id = "dup", services = {"databases"}, retention = 1, schedule = "@daily"})
            out[3] = try(backups.policies.create, {services = {"databases"}, resourceId = "nope", retention = 1, schedule = "@daily"})
            out[4] = try(backups.policies.create, {services = {"databases"}, retention = 1, schedule = "61 * * * *"})
            out[5] = try(function() backups.policies.update("dup", "soon") end)
            out[6] = try(backups.archives.get, "bad id!")
            out[7] = try(function() backups.policies.create{services = {"databases"}, retention = "7", schedule = "@daily"} end)
            out[8] = try(backups.restorations.create, {archiveId = "nope", services = {"databases"}})
            out[9] = try(function() local ok, e = pcall(backups.policies.get, "missing"); error(e) end)
            out[10] = try(Query.limit, -1)
            return table.unpack(out)
            """)
        XCTAssertEqual(r[0], "404|backup_policy_not_found|backup_policy_not_found (404): Policy with the requested ID 'missing' could not be found.")
        XCTAssertEqual(r[1].stringValue?.hasPrefix("409|backup_policy_already_exists|"), true, "\(r[1])")
        XCTAssertEqual(r[2].stringValue?.hasPrefix("404|database_not_found|"), true, "\(r[2])")
        XCTAssertEqual(r[3], "0|argument_invalid|argument_invalid: Invalid `schedule` param: String must be a valid cron expression: minute 61 is out of range 0-59")
        XCTAssertEqual(r[4], "(string):13: bad argument #2 to 'update' (table expected, got string)")
        XCTAssertEqual(r[5].stringValue?.hasPrefix("0|argument_invalid|argument_invalid: Invalid `archiveId` param"), true, "\(r[5])")
        XCTAssertEqual(r[6], "(string):15: bad argument #1 to 'create' (field 'retention': integer expected, got string)")
        XCTAssertEqual(r[7].stringValue?.hasPrefix("404|backup_archive_not_found|"), true, "\(r[7])")
        XCTAssertEqual(r[8].stringValue?.hasPrefix("404|backup_policy_not_found"), true, "error() re-raises the same value")
        XCTAssertEqual(r[9].stringValue?.contains("bad argument #1 to 'Query.limit' (a whole number from 0 to 5000 expected, got -1)"), true, "\(r[9])")
    }

    func testNetworkErrorsAndWaitTimeouts() throws {
        let h = try host(endpoint: "http://127.0.0.1:9/v1")
        let r = try h.run(string: """
            local ok, e = pcall(backups.policies.list)
            return e.code, e.type
            """)
        XCTAssertEqual(r, [0, "network_error"])
        let h2 = try host()
        let r2 = try h2.run(string: """
            local a = backups.archives.create{services = {"databases"}}
            local ok, e = pcall(backups.archives.wait, a.id, {timeout = 0.3, interval = 0.1})
            local done = backups.archives.wait(a, {timeout = 30, interval = 0.2})
            return e.type, e.message:match("still %a+") ~= nil, done.status
            """)
        XCTAssertEqual(r2, ["timeout", true, "completed"])
    }

    func testTaskMapKeepsGoingWhenSomeItemsFail() throws {
        let h = try host()
        let r = try h.run(string: """
            local items = {"db-0001", "missing-1", "db-0002", "missing-2", "db-0003"}
            local results, errors = task.map(items, function(db)
              return backups.policies.create{services = {"databases"}, resourceId = db, retention = 3, schedule = "@daily"}
            end, {concurrency = 2})
            local ok = 0
            for i = 1, 5 do if results[i] then ok = ok + 1 end end
            return ok, errors[2].code, errors[4].type, errors[1] == nil, #backups.policies.list().policies
            """)
        XCTAssertEqual(r, [3, 404, "database_not_found", true, 3])
    }

    func testSpawnWaitAndUsersOwnCoroutines() throws {
        let h = try host()
        let r = try h.run(string: """
            local a = task.spawn(function() return backups.resources.databases.list().total end)
            local b = task.spawn(function() error(backups.error("custom", "went wrong", 7)) end)
            local ok, e = pcall(b.wait, b)
            local gen = coroutine.wrap(function()
              for d in backups.resources.databases.each() do coroutine.yield(d.id) end
            end)
            local first, second = gen(), gen()
            return a:wait(), e.type, e.code, first, second
            """)
        XCTAssertEqual(r, [5, "custom", 7, "db-0001", "db-0002"])
    }

    func testDryRunChangesNothingAndPrintsThePlan() throws {
        let real = try host()
        try real.run(string: """
            backups.policies.create{id = "nightly-db-0001", services = {"databases"}, resourceId = "db-0001", retention = 7, schedule = "0 2 * * *"}
            backups.policies.create{id = "old", services = {"databases"}, retention = 7, schedule = "0 2 * * *"}
            """)
        func snapshot() throws -> String {
            try ["/backups/policies", "/backups/archives", "/backups/restorations", "/databases"].map { try http(.GET, $0).text }.joined()
        }
        let before = try snapshot()
        let dry = try host(dryRun: true)
        let r = try dry.run(string: """
            local p = backups.policies.create{id = "nightly-db-0002", services = {"databases"}, resourceId = "db-0002", retention = 30, schedule = "0 2 * * *"}
            local u = backups.policies.update("nightly-db-0001", {retention = 30})
            local same = backups.policies.update("nightly-db-0001", {retention = 7})
            backups.policies.delete("old")
            local a = backups.archives.create{services = {"databases"}, resourceId = "db-0001"}
            local ok, e = pcall(backups.policies.delete, "missing")
            -- What the plan deleted is gone for the rest of the run; what it made is there.
            local gone = select(2, pcall(backups.policies.get, "old"))
            local made = backups.policies.get("nightly-db-0002")
            local again = select(2, pcall(backups.policies.create, {id = "nightly-db-0002", services = {"databases"}, retention = 1, schedule = "0 1 * * *"}))
            local plan = backups.plan()
            local ops = {}
            for _, s in ipairs(plan.steps) do ops[#ops + 1] = s.operation .. " " .. s.record .. " " .. (s.id or "(new)") end
            return p.id, p.retention, u.retention, same.retention, a.status, e.code, backups.config.dryRun, gone.code, made.retention,
              again.type, plan.bkupPlan, plan.counts.creates, plan.counts.updates, plan.counts.deletes, table.concat(ops, ", ")
            """)
        XCTAssertEqual(r, ["nightly-db-0002", 30, 30, 7, "completed", 404, true, 404, 30, "backup_policy_already_exists", 1, 2, 0, 1,
                           "create policy nightly-db-0002, create archive (new), delete policy old"])
        XCTAssertEqual(try snapshot(), before, "byte for byte")
        // The second update undoes the first: the plan keeps neither.
        XCTAssertEqual(notices, [
            "+ policy nightly-db-0002 (databases, resource db-0002, 0 2 * * *, 30d)",
            "~ policy nightly-db-0001: retention 7 → 30",
            "~ policy nightly-db-0001: retention 30 → 7",
            "- policy old",
            "+ archive (databases, resource db-0001)",
        ])
        dry.close()
        XCTAssertEqual(notices.last, "dry run: 2 creates, 0 updates, 1 delete planned; nothing was sent")
        // Outside a dry run there is no plan: nil, which `if backups.plan() then` reads as no (json.null would be truthy).
        XCTAssertEqual(try host().run(string: "local p = backups.plan() return type(p), p == nil, select('#', backups.plan()), not p"),
                       ["nil", true, 1, true], "no plan outside a dry run")
    }

    func testInterruptCancelsRequestsInFlight() throws {
        let h = try host()
        let e = emulator!
        try e.blocking { try await e.faults(["next": [["count": 20, "delayMs": 20000]]]) }
        let hostRef = UnsafeTransfer(h)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { hostRef.value.interrupt() }
        let start = Date()
        XCTAssertThrowsError(try h.run(string: """
            task.map({1, 2, 3, 4}, function() return backups.policies.list() end)
            """)) { error in
            XCTAssertTrue("\(error)".contains("interrupted!"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 15, "did not wait for the 20 s answers")
        try e.blocking { try await e.faults(["clear": true]) }
        XCTAssertEqual(try h.run(string: "return #backups.resources.databases.list().databases"), [5], "usable again")
    }

    func testEmbeddingHostCollectsOutputAndRegisteredFunctions() throws {
        let h = try host()
        try h.register("double") { args in try args.integer(1) * 2 }
        try h.register(module: "ops") { ops in ops.function("team") { _ in "sre" } }
        let r = try h.run(string: "print('hello', ...) return double(21), require('ops').team(), backups.config.project",
                          args: ["a", "b"])
        XCTAssertEqual(r, [42, "sre", .string(emulator.project)])
        XCTAssertEqual(printed, ["hello\ta\tb"])
        let config = try h.run(string: "local c = backups.config return c.endpoint, c.emulator, c.key")
        XCTAssertEqual(config, [.string(emulator.url), false, .null], "never the key")
    }

    /// The host runs every chunk and task in a coroutine, and scripts cannot tell: the main chunk
    /// and spawned tasks are "the main thread", while a user's own coroutines are coroutines, and
    /// requests still yield from either.
    func testTasksLookLikeTheMainThread() throws {
        let h = try host()
        let r = try h.run(string: """
            local _, main = coroutine.running()
            local yieldable = coroutine.isyieldable()
            local ok, err = pcall(coroutine.yield)
            local handle = task.spawn(function()
              local _, m = coroutine.running()
              return m, coroutine.isyieldable(), backups.policies.list().total
            end)
            local tm, ty, count = handle:wait()
            local inner = coroutine.wrap(function()
              local _, m = coroutine.running()
              local n = backups.policies.list().total   -- waits in place inside a user's coroutine
              coroutine.yield(m, coroutine.isyieldable(), n)
            end)
            local im, iy, icount = inner()
            return main, yieldable, ok, err, tm, ty, count, im, iy, icount, debug.getinfo(print, "u").nups
            """)
        XCTAssertEqual(r, [true, false, false, "attempt to yield from outside a coroutine", true, false, 0, false, true, 0, 0])
    }

    /// `list(queries, {total=false})`; `each` counts only its first page; resource lists work on
    /// Appwrite 1.8's `/tablesdb` and fall back to `/databases` (remembered) where it is missing.
    func testTotalsAndTheDatabasesRouteFallback() throws {
        let h = try host()
        let r = try h.run(string: """
            local ids = {}
            for i = 1, 230 do ids[i] = string.format("p-%03d", i) end
            local _, errors = task.map(ids, function(id)
              return backups.policies.create{id = id, services = {"databases"}, retention = 1, schedule = "@daily"}
            end)
            assert(next(errors) == nil)
            local uncounted = backups.policies.list({Query.limit(5)}, {total = false})
            local counted = backups.policies.list(nil, {total = true})
            local n = 0
            for _ in backups.policies.each() do n = n + 1 end
            local ok, err = pcall(backups.policies.list, {}, {totl = false})
            return uncounted.total, #uncounted.policies, counted.total, n, err
            """)
        XCTAssertEqual(r[0], 0)
        XCTAssertEqual(r[1], 5)
        XCTAssertEqual(r[2], 230)
        XCTAssertEqual(r[3], 230)
        XCTAssertTrue(r[4].stringValue?.contains("unknown field 'totl'") == true, "\(r[4])")
        let e = emulator!
        let stats = try e.blocking { try await e.stats() }
        XCTAssertEqual(stats["uncountedLists"], 3, "the explicit one, then pages 2 and 3 of each")

        // An Appwrite before 1.8: /tablesdb is not a route.
        let notARoute = #"{"message":"The requested route was not found.","code":404,"type":"general_route_not_found","version":"1.7.4"}"#
        try e.blocking { try await e.faults(["next": [["path": "/v1/tablesdb", "count": 2, "status": 404, "body": .string(notARoute)]]]) }
        let dbs = try h.run(string: "return #backups.resources.databases.list().databases, #backups.resources.databases.list().databases")
        XCTAssertEqual(dbs, [5, 5])
        let stillArmed = try e.blocking { try await e.request(.GET, "/tablesdb") }
        XCTAssertEqual(stillArmed.status, 404, "the second list went straight to /databases")
    }

    /// A key without a scope: a backups.Error that names the scope and the project, never the key.
    func testMissingScopeIsAClearError() throws {
        let e = try EmulatorHarness.startBlocking(seed: 1, grants: ["reader-secret-key:policies.read"])
        defer { try? e.blocking { await e.stop() } }
        var c = HostConfiguration.testing(e)
        c.apiKey = APIKey("reader-secret-key")
        let h = try BkupHost(configuration: c)
        let r = try h.run(string: """
            local n = backups.policies.list().total
            local ok, err = pcall(backups.policies.create, {services = {"databases"}, retention = 1, schedule = "@daily"})
            local ok2, err2 = pcall(backups.archives.list)
            return n, err.code, err.type, err.scope, err.message, tostring(err), err2.scope
            """)
        XCTAssertEqual(Array(r.prefix(4)), [0, 401, "general_unauthorized_scope", "policies.write"])
        let message = r[4].stringValue ?? ""
        XCTAssertTrue(message.contains("project '\(e.project)'") && message.contains("policies.write")
                      && message.contains("POST /backups/policies"), message)
        for text in [message, r[5].stringValue ?? ""] { XCTAssertFalse(text.contains("reader-secret-key"), text) }
        XCTAssertEqual(r[6], "archives.read")
    }

    func testStdlibModulesUserModulesAndTextOnlyLoading() throws {
        let dir = NSTemporaryDirectory() + "bkup-mods-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "return { answer = 42 }".write(toFile: dir + "/mymod.lua", atomically: true, encoding: .utf8)
        setenv("LUA_PATH", dir + "/?.lua;;", 1)
        defer { unsetenv("LUA_PATH") }
        let h = try host()
        let r = try h.run(string: """
            local args = require("args")
            local opts = args.parse({"--days", "7", "--apply"}, {flags = {{"days", type = "integer"}, {"apply", type = "boolean"}}})
            local ok, e = pcall(args.parse, {"--days", "x"}, {flags = {{"days", type = "integer"}}})
            local f = io.open(...,"wb"); f:write(string.dump(function() return 1 end)); f:close()
            local okBin, binErr = pcall(require, "binmod")
            local tb = select(2, xpcall(args.parse, debug.traceback, {"--nope"}, {flags = {}}))
            -- bkup's modules live under bkup.; the old names are aliases found after the user's own
            return opts.days, opts.apply, e, require("mymod").answer, okBin, binErr:find("binary") ~= nil,
              tb:find("stdlib/bkup/args.lua", 1, true) ~= nil, args == require("bkup.args"), require("dates") == require("bkup.dates")
            """, args: [dir + "/binmod.lua"])
        XCTAssertEqual(r, [7, true, "--days: integer expected, got 'x'", 42, false, true, true, true, true])
        // A user's own module named like an old stdlib name wins over the alias.
        try "return { mine = true }".write(toFile: dir + "/dates.lua", atomically: true, encoding: .utf8)
        let shadowed = try h.run(string: "package.loaded.dates = nil return require('dates').mine, require('bkup.dates').day(0)")
        XCTAssertEqual(shadowed, [true, "1970-01-01"])
    }
}

struct UnsafeTransfer<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
