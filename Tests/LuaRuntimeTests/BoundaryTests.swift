import CLua
import LuaRuntime
import XCTest

#if canImport(Glibc)
import Glibc
#endif

struct Boom: Error, CustomStringConvertible {
    let description: String
}

final class Counted {
    nonisolated(unsafe) static var deinits = 0
    nonisolated(unsafe) static var closes = 0
    let n: Int
    init(_ n: Int) { self.n = n }
    deinit { Counted.deinits += 1 }
}

func residentBytes() -> Int {
    guard let f = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(f) }
    var size = 0, resident = 0
    withUnsafeMutablePointer(to: &size) { s in
        withUnsafeMutablePointer(to: &resident) { r in
            _ = withVaList([s, r]) { vfscanf(f, "%ld %ld", $0) }
        }
    }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
}

final class BoundaryTests: XCTestCase {
    func run(_ state: LuaState, _ code: String) throws -> [JSONValue] {
        try state.load(code, chunkName: "=test")
        let ref = state.popRef()
        return try state.call(ref)
    }

    func testThrowingSwiftFunctionUnderPcallDoesNotLeak() throws {
        let state = try LuaState()
        state.setGlobal("fail") { call in
            throw Boom(description: "boom \(try call.integer(1))")
        }
        let script = """
            local n = ...
            local caught = 0
            for i = 1, n do
              local ok, err = pcall(fail, i)
              if not ok and err:find("boom " .. i, 1, true) then caught = caught + 1 end
            end
            return caught
            """
        // Warm up, then measure: after a collection neither Lua's count nor RSS may grow.
        try state.load(script, chunkName: "=loop")
        let fn = state.popRef()
        XCTAssertEqual(try state.call(fn, [.integer(10_000)]), [.integer(10_000)])
        state.collectGarbage()
        let luaBefore = state.memoryInUse
        // A leak grows the process in every round; noise from other threads does not.
        var rssGrowth: [Int] = []
        for _ in 0..<3 {
            let rssBefore = residentBytes()
            XCTAssertEqual(try state.call(fn, [.integer(100_000)]), [.integer(100_000)])
            state.collectGarbage()
            rssGrowth.append(residentBytes() - rssBefore)
        }
        let luaAfter = state.memoryInUse
        XCTAssertLessThanOrEqual(luaAfter, luaBefore + 4096, "Lua memory grew from \(luaBefore) to \(luaAfter)")
        // Under AddressSanitizer freed memory stays resident in its quarantine by design, so RSS
        // says nothing there (tools/asan.sh sets BKUP_SANITIZER); Lua's own count still does.
        if ProcessInfo.processInfo.environment["BKUP_SANITIZER"] == nil {
            XCTAssertLessThan(rssGrowth.min()!, 2 << 20, "RSS grew by \(rssGrowth) bytes per 100,000 calls")
        }
    }

    func testErrorsCrossEveryDirection() throws {
        let state = try LuaState()
        // Swift calls back into Lua (which calls Swift again) and reports the inner failure.
        state.setGlobal("callLua") { call in
            try call.checkFunction(1)
            let fn = call.ref(1)
            do {
                _ = try call.state.call(fn, [.string("from swift")])
                return call.push("no error")
            } catch let e as LuaError {
                return call.push("swift caught: " + e.message)
            }
        }
        state.setGlobal("rethrow") { call in
            try call.checkFunction(1)
            _ = try call.state.call(call.ref(1))
            return .none
        }
        state.setGlobal("fail") { _ in throw Boom(description: "swift says no") }
        let results = try run(state, """
            local a = callLua(function(x) error("lua says no: " .. x, 0) end)
            local b = callLua(function() fail() end)
            local ok, c = pcall(rethrow, function() error({code = 7}) end)
            local co = coroutine.create(function() return pcall(fail) end)
            local _, okInCo, d = coroutine.resume(co)
            local ok2, e = pcall(rethrow, function() local ok3, m = pcall(fail); error("inner: " .. m, 0) end)
            return a, b, type(c) == "table" and c.code, okInCo, d, e
            """)
        XCTAssertEqual(results[0], .string("swift caught: lua says no: from swift"))
        XCTAssertEqual(results[1].stringValue?.hasSuffix("swift says no"), true, "\(results[1])")
        XCTAssertEqual(results[2], .integer(7), "a table error keeps its identity through Swift")
        XCTAssertEqual(results[3], .bool(false))
        XCTAssertEqual(results[4].stringValue?.hasSuffix("swift says no"), true)
        XCTAssertEqual(results[5].stringValue?.hasSuffix("swift says no"), true, "\(results[5])")
    }

    func testLuaErrorReachingSwiftCarriesTraceback() throws {
        let state = try LuaState()
        do {
            _ = try run(state, "local function inner() error('deep') end\nlocal function outer() inner() end\nouter()")
            XCTFail("expected an error")
        } catch let e as LuaError {
            XCTAssertEqual(e.message, "test:1: deep")
            XCTAssertTrue(e.traceback.contains("stack traceback:"), e.traceback)
            XCTAssertTrue(e.traceback.contains("in local 'inner'") || e.traceback.contains("in upvalue 'inner'")
                          || e.traceback.contains("inner"), e.traceback)
        }
    }

    func testArgumentErrorsAreWordedAsLauxlib() throws {
        let state = try LuaState()
        state.pushModule([
            "update": { call in
                _ = try call.string(1)
                try call.checkTable(2)
                return .none
            }
        ])
        state.registerModule("policies")
        let r = try run(state, "local ok, e = pcall(function() policies.update('x', 'y') end) return e")
        XCTAssertEqual(r, [.string("test:1: bad argument #2 to 'update' (table expected, got string)")])
        let r2 = try run(state, "local ok, e = pcall(function() policies.update() end) return e")
        XCTAssertEqual(r2, [.string("test:1: bad argument #1 to 'update' (string expected, got no value)")])
    }

    /// LuaCall's readers take what lauxlib's take, and refuse with its words: a Swift function
    /// and string.rep (luaL_checkinteger) agree on every argument.
    func testArgumentsCoerceAsLauxlib() throws {
        let state = try LuaState()
        state.setGlobal("times") { call in call.push(String(repeating: try call.string(1), count: Int(try call.integer(2)))) }
        state.setGlobal("half") { call in call.push(try call.number(1) / 2) }
        let r = try run(state, """
            local out = {}
            for _, n in ipairs{3, 3.0, "3", " 0x3 ", "3.0", 3.5, "3.5", "three", true} do
              local ok, mine = pcall(times, 12, n)
              local ok2, lua = pcall(string.rep, 12, n)
              out[#out + 1] = ok == ok2 and (ok and mine == lua or mine:gsub("times", "string.rep") == lua) and "same" or (tostring(mine) .. " | " .. tostring(lua))
            end
            out[#out + 1] = half("5")
            out[#out + 1] = select(2, pcall(half, "five"))
            return table.unpack(out)
            """)
        XCTAssertEqual(r, Array(repeating: "same", count: 9) + [2.5, "bad argument #1 to 'half' (number expected, got string)"])
    }

    func testUserdataIsReleasedExactlyOnce() throws {
        Counted.deinits = 0
        var closed = 0
        do {
            let state = try LuaState()
            var cls = LuaClass<Counted>(name: "test.Counted")
            cls.fields = { obj, key, call in
                if key == "n" { call.push(Int64(obj.n)); return true }
                return false
            }
            cls.methods["double"] = { obj, call in call.push(Int64(obj.n * 2)) }
            cls.tostring = { "Counted(\($0.n))" }
            cls.close = { _ in closed += 1 }
            state.register(cls)
            state.setGlobal("make") { call in
                call.stack.push(object: Counted(Int(try call.integer(1))), className: "test.Counted")
                return .values(1)
            }
            let r = try run(state, """
                local sum = 0
                for i = 1, 1000 do local c = make(i); sum = sum + c.n + c:double() end
                do local c <close> = make(5) end
                local kept = make(9)
                local ok, err = pcall(function() return kept.double(42) end)
                return sum, tostring(kept), err
                """)
            XCTAssertEqual(r[0], .integer(3 * 500500))
            XCTAssertEqual(r[1], .string("Counted(9)"))
            XCTAssertEqual(r[2].stringValue?.contains("bad argument #1 to 'double' (test.Counted expected, got number)"), true, "\(r[2])")
            state.collectGarbage()
            state.collectGarbage()
            XCTAssertEqual(closed, 1)
            XCTAssertGreaterThanOrEqual(Counted.deinits, 1001)
            state.close()
        }
        XCTAssertEqual(Counted.deinits, 1002, "every object is released once: 1000 + <close> + kept")
    }

    func testInterruptFromAnotherThread() throws {
        let state = try LuaState()
        let L = UnsafeSendable(state)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { L.value.interrupt() }
        XCTAssertThrowsError(try run(state, "local n = 0 while true do n = n + 1 pcall(function() end) end")) { error in
            XCTAssertEqual((error as? LuaError)?.message, "interrupted!")
        }
        state.clearInterrupt()
        XCTAssertEqual(try run(state, "return 1 + 1"), [.integer(2)], "the state runs again after an interrupt")
    }
}

struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }

    /// A script that puts metamethods on the registry cannot make Swift's registry access run
    /// Lua code (which could raise across Swift frames): every access is raw.
    func testABoobyTrappedRegistryDoesNotReachSwift() throws {
        let state = try LuaState()
        try state.load("""
            local trap = function() error("trap sprung") end
            debug.setmetatable(debug.getregistry(), {__index = trap, __newindex = trap})
            """, chunkName: "=trap")
        try state.pcall(nargs: 0, nresults: 0)
        try state.load("error('ordinary')", chunkName: "=x")
        XCTAssertThrowsError(try state.pcall(nargs: 0)) { error in
            XCTAssertEqual((error as? LuaError)?.message, "x:1: ordinary")
        }
        try state.require("string")
        state.stack.pop()
    }
}
