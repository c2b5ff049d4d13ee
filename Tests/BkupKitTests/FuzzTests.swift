import BkupJSON
import BkupKit
import BkupTestSupport
import Foundation
import LuaRuntime
import XCTest

/// Every binding called with random argument lists: nil, booleans, integers at the edges,
/// NaN and infinities, huge and binary strings, deep and cyclic tables, functions, coroutines,
/// userdata of the wrong kind. Nothing may crash the process; every failure must be an
/// ordinary Lua error (a string or a backups.Error), and the host must still work afterwards.
/// Seeds are fixed, so a failure names the seed that reproduces it.
final class FuzzTests: XCTestCase {
    static let driver = """
        local seed, calls = ...
        seed, calls = math.tointeger(tonumber(seed)), math.tointeger(tonumber(calls))
        math.randomseed(seed)
        local R = math.random

        -- The targets: every function of the modules, by sorted name (a reproducible order).
        local targets = {}
        local function collect(prefix, t, depth, seen)
          if seen[t] or depth > 3 then return end
          seen[t] = true
          local names = {}
          for k in pairs(t) do if type(k) == "string" then names[#names + 1] = k end end
          table.sort(names)
          for _, k in ipairs(names) do
            local v = rawget(t, k)
            if type(v) == "function" then targets[#targets + 1] = { prefix .. k, v }
            elseif type(v) == "table" and v ~= json.null then collect(prefix .. k .. ".", v, depth + 1, seen) end
          end
        end
        local modules = {
          backups = backups, Query = Query, ID = ID, task = task, json = json, cron = cron,
          dates = require("dates"), args = require("args"),
          ["backups.rotate"] = { call = backups.rotate }, ["backups.retention"] = backups.retention,
          ["backups.report"] = backups.report, ["backups.audit"] = { call = backups.audit },
          ["backups.schedules"] = backups.schedules,
        }
        local moduleNames = {}
        for name in pairs(modules) do moduleNames[#moduleNames + 1] = name end
        table.sort(moduleNames)
        local seen = {}
        for _, name in ipairs(moduleNames) do collect(name .. ".", modules[name], 0, seen) end
        -- Blocking by design (they wait for as long as they are told): called with a short
        -- timeout below instead of random ones.
        -- args.fail and args.cli end the script (os.exit) by design: not fuzzed.
        local excluded = { ["args.fail"] = true, ["args.cli"] = true }
        for i = #targets, 1, -1 do if excluded[targets[i][1]] then table.remove(targets, i) end end
        local blocking = { ["task.sleep"] = true, ["backups.archives.wait"] = true, ["backups.restorations.wait"] = true,
                           ["backups.archives.waitAll"] = true, ["backups.restorations.waitAll"] = true }

        -- Values.
        local huge = string.rep("x", 1 << 20)
        local deep = {}
        do local t = deep for _ = 1, 2000 do t[1] = {} t = t[1] end end
        local cyclic = { name = "loop" }
        cyclic.self = cyclic
        local errorObject = backups.error("fuzz", "a backups.Error")
        local handle = task.spawn(function() end)
        local record = backups.policies.list{ Query.limit(1) }.policies[1] or { ["$id"] = "none" }
        local ints = { 0, 1, -1, 2, 7, 36, 37, 100, 101, 255, 4096, 2147483647, -2147483648, 1 << 53,
                       math.maxinteger, math.mininteger }
        local floats = { 0.5, -0.0, 1 / 0, -1 / 0, 0 / 0, 1e308, 2.0 ^ 63, -2.0 ^ 63, 1e-300, 3.0 }
        local strings = { "", "a", "db-0001", "unique()", "nightly-db-0001", string.rep("i", 36), string.rep("i", 37),
                          "\\0\\1\\2\\255\\254", "é中文", "{}", "[", "null", "$id", "0 2 * * *", "*/0 * * * *",
                          "@hourly", "61 * * * *", '{"method":"equal","attribute":"$id","values":["x"]}',
                          '{"method":"limit","values":[5000]}', "../../etc/passwd", "%s%n%d", "databases", "storage",
                          "completed", "2026-11-26T02:00:00.000+00:00", huge }
        local keys = { "id", "name", "services", "resourceId", "retention", "schedule", "enabled", "archiveId",
                       "newResourceId", "newResourceName", "timeout", "interval", "concurrency", "progress",
                       "databases", "buckets", "functions", "daily", "weekly", "format", "columns", "kind", "ids",
                       "queries", "prune", "pretty", "sort_keys", 1, 2, 3 }
        local value
        local function binary()
          local bytes = {}
          for i = 1, R(0, 64) do bytes[i] = string.char(R(0, 255)) end
          return table.concat(bytes)
        end
        local function tableValue(depth)
          local kind = R(1, 8)
          if kind == 1 then return {} end
          if kind == 2 then return json.array{} end
          if kind == 3 then return deep end
          if kind == 4 then return cyclic end
          local t = {}
          if kind <= 6 then
            for i = 1, R(1, 6) do t[i] = value(depth + 1) end
          else
            for _ = 1, R(1, 6) do
              local k = keys[R(#keys)]
              t[k] = value(depth + 1)
            end
          end
          return t
        end
        function value(depth)
          depth = depth or 0
          local kind = R(1, depth > 2 and 9 or 13)
          if kind == 1 then return nil end
          if kind == 2 then return R(2) == 1 end
          if kind == 3 then return ints[R(#ints)] end
          if kind == 4 then return R(-10, 100) end
          if kind == 5 then return floats[R(#floats)] end
          if kind == 6 then return strings[R(#strings)] end
          if kind == 7 then return binary() end
          if kind == 8 then return json.null end
          if kind == 9 then
            local u = { errorObject, handle, io.stdout, coroutine.create(function() end) }
            return u[R(#u)]
          end
          if kind == 10 then
            local f = { function() end, function() error("boom") end, function(...) return ... end,
                        function() return {} end, print }
            return f[R(#f)]
          end
          if kind == 11 then return record end
          return tableValue(depth)
        end

        local failures, successes = 0, 0
        local function check(name, ok, err)
          if ok then successes = successes + 1 return end
          failures = failures + 1
          local t = type(err)
          if t == "string" then
            assert(#err > 0, name .. ": an empty error message")
          elseif t == "userdata" then
            local text = tostring(err)
            assert(type(text) == "string" and #text > 0, name .. ": an error object without a message")
          else
            error(string.format("%s raised a %s, not an error message or a backups.Error", name, t))
          end
        end
        local function callWithTimeout(name, fn, args, n)
          -- Waiting functions get a short timeout as their last table argument, or none.
          if name == "task.sleep" then return pcall(fn, R(0, 2) / 1000) end
          return pcall(fn, args[1], { timeout = 0.01, interval = 0.005 })
        end
        for _ = 1, calls do
          local target = targets[R(#targets)]
          local name, fn = target[1], target[2]
          local n = R(0, 5)
          local args = {}
          for i = 1, n do args[i] = value() end
          local ok, err
          if blocking[name] then ok, err = callWithTimeout(name, fn, args, n)
          else ok, err = pcall(fn, table.unpack(args, 1, n)) end
          check(name, ok, err)
          -- Userdata of the wrong kind, through methods and fields.
          if R(20) == 1 then
            local u = ({ errorObject, handle })[R(2)]
            local k = ({ "code", "type", "message", "wait", "status", "id", "nope", 1, true })[R(9)]
            check("userdata index", pcall(function() local v = u[k] if type(v) == "function" then return v(value(), value()) end end))
          end
        end
        return successes + failures, failures, #targets
        """

    func testEveryBindingSurvivesRandomArguments() throws {
        let emulator = try EmulatorHarness.startBlocking(seed: 5, speed: 0.000001)
        defer { try? emulator.blocking { await emulator.stop() } }
        var c = HostConfiguration.testing(emulator)
        // A safety net, not the subject: no batch may hang.
        c.limits = RunLimits(timeout: 120)
        let host = try BkupHost(configuration: c)
        host.output = { _ in }
        host.notice = { _ in }
        defer { host.close() }

        var total = 0, failures = 0
        for seed in 1...20 {
            let result: [JSONValue]
            do {
                result = try host.run(string: Self.driver, chunkName: "=fuzz", args: ["\(seed)", "5000"])
            } catch {
                XCTFail("seed \(seed): \(error)")
                continue
            }
            total += Int(result[0].intValue!)
            failures += Int(result[1].intValue!)
            XCTAssertGreaterThan(result[2].intValue!, 60, "the targets include every module's functions")
        }
        XCTAssertGreaterThanOrEqual(total, 100_000)
        XCTAssertGreaterThan(failures, total / 4, "random arguments mostly fail, as errors")
        // The host and the service still work.
        XCTAssertEqual(try host.run(string: "return backups.resources.databases.list().total >= 5, 1 + 1"), [true, 2])
    }
}
