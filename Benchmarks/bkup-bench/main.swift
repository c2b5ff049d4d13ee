// bkup-bench: the in-process halves of the benchmarks (Benchmarks/run.sh runs them all).
//   bkup-bench calls                          Lua->Swift no-op vs Lua->C no-op, 10M calls each
//   bkup-bench async                          async registered no-op vs sync registered no-op
//   bkup-bench limits                         CPU-bound Lua with each run limit vs none
//   bkup-bench client URL PROJECT KEY N C     N GETs of one policy at concurrency C (BackupsClient)
//   bkup-bench latency URL PROJECT KEY N PATHQUERY...   mean/p50/p99 of sequential GETs of each path
import BackupsClient
import BkupKit
import BkupJSON
import Foundation
import LuaRuntime

/// An async Swift function called from Lua (the calling task yields; the function runs on
/// Swift's pool; the result comes back through the scheduler's inbox) against a synchronous one.
func asyncCalls() async throws {
    var configuration = HostConfiguration(endpoint: "http://127.0.0.1:9/v1", project: "bench", apiKey: APIKey("bench-key"))
    configuration.progress = false
    let host = try BkupHost(configuration: configuration)
    try host.register("sync_noop") { _ in }
    try host.register("async_noop") { _ async throws in }
    let r = try await host.run(string: """
        local now = task.now
        local function time(f, n)
          local t0 = now()
          for _ = 1, n do f() end
          return (now() - t0) / n * 1e9
        end
        time(sync_noop, 100000); time(async_noop, 10000)
        local sync, async = time(sync_noop, 1000000), time(async_noop, 100000)
        -- 100 tasks calling at once: the calls overlap
        local list = {}
        for i = 1, 100 do list[i] = i end
        local t0 = now()
        task.map(list, function() for _ = 1, 1000 do async_noop() end end, {concurrency = 100})
        return sync, async, (now() - t0) / 100000 * 1e9
        """)
    let sync = r[0].doubleValue ?? 0, async = r[1].doubleValue ?? 0, overlapped = r[2].doubleValue ?? 0
    print(String(format: "sync registered no-op   %8.0f ns/call", sync))
    print(String(format: "async registered no-op  %8.0f ns/call (one task, one call at a time)", async))
    print(String(format: "async, 100 tasks        %8.0f ns/call (calls overlapping)", overlapped))
    print(String(format: "ratio async/sync        %8.0fx", async / sync))
}

func calls() throws {
    let state = try LuaState()
    state.setGlobal("swift_noop") { _ in .none }
    state.setBaselineCFunction("c_noop")
    let code = """
        local f, n = ..., 10000000
        local clock = os.clock
        local t0 = clock()
        for i = 1, n do end
        local empty = clock() - t0
        t0 = clock()
        for i = 1, n do f() end
        return (clock() - t0) / n * 1e9, empty / n * 1e9
        """
    try state.load(code, chunkName: "=bench")
    let fn = state.popRef()
    var rows: [(String, Double, Double)] = []
    for round in 0..<3 {
        for name in ["c_noop", "swift_noop"] {
            state.pushGlobal(name)
            let arg = state.popRef()
            fn.push()
            arg.push()
            try state.pcall(nargs: 1, nresults: 2)
            let perCall = try state.value(at: -2).doubleValue!
            let loop = try state.value(at: -1).doubleValue!
            state.stack.pop(2)
            if round > 0 { rows.append((name, perCall, loop)) }
        }
    }
    func best(_ n: String) -> (Double, Double) {
        let r = rows.filter { $0.0 == n }
        return (r.map(\.1).min()!, r.map(\.2).min()!)
    }
    let (c, loop) = best("c_noop")
    let (s, _) = best("swift_noop")
    print(String(format: "Lua->C no-op       %6.1f ns/call (loop alone %.1f ns)", c, loop))
    print(String(format: "Lua->Swift no-op   %6.1f ns/call", s))
    print(String(format: "ratio Swift/C      %6.2fx   (net of the loop: %.2fx)", s / c, (s - loop) / (c - loop)))
}

func makeClient(_ url: String, _ project: String, _ key: String) throws -> BackupsClient {
    var c = ClientConfiguration(endpoint: url, project: project, apiKey: key)
    c.maxConnections = 64
    return try BackupsClient(configuration: c)
}

func client(_ a: [String]) async throws {
    let (url, project, key, n, conc) = (a[0], a[1], a[2], Int(a[3])!, Int(a[4])!)
    let client = try makeClient(url, project, key)
    let request = try BackupsRequest.getPolicy("bench-policy")
    _ = try await client.send(request)
    let next = Counter()
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<conc {
            group.addTask {
                while next.take() < n { _ = try await client.send(request) }
            }
        }
        try await group.waitForAll()
    }
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print(String(format: "BackupsClient c=%-3d %8.0f req/s  (%d GETs in %.2fs)", conc, Double(n) / seconds, n, seconds))
    try await client.shutdown()
}

func latency(_ a: [String]) async throws {
    let (url, project, key, n) = (a[0], a[1], a[2], Int(a[3])!)
    let client = try makeClient(url, project, key)
    for spec in a.dropFirst(4) {
        // spec = label=path?queries (queries as raw query strings joined by \n after '?')
        let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
        let label = parts[0]
        let qs = parts[1].split(separator: "\n").map(String.init)
        let request = try BackupsRequest.listArchives(qs)
        _ = try await client.send(request)
        var samples: [Double] = []
        for _ in 0..<n {
            let t = ContinuousClock.now
            _ = try await client.send(request)
            let d = ContinuousClock.now - t
            samples.append(Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1000)
        }
        samples.sort()
        let mean = samples.reduce(0, +) / Double(n)
        // %s with a Swift String is not portable to Linux's Foundation: pad by hand.
        print(label.padding(toLength: 28, withPad: " ", startingAt: 0)
              + String(format: " mean %6.2f ms  p50 %6.2f ms  p99 %6.2f ms", mean, samples[n / 2], samples[n * 99 / 100]))
    }
    try await client.shutdown()
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func take() -> Int { lock.lock(); defer { lock.unlock() }; let v = value; value += 1; return v }
}

/// Where a host's start-up time goes: a bare Lua state, then a full BkupHost.
func hostStartup() throws {
    func measure(_ label: String, _ n: Int, _ body: () throws -> Void) rethrows {
        let t = ContinuousClock.now
        for _ in 0..<n { try body() }
        let d = ContinuousClock.now - t
        let us = (Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12) / Double(n)
        print(label.padding(toLength: 36, withPad: " ", startingAt: 0) + String(format: "%8.1f µs", us))
    }
    try measure("LuaState (openlibs)", 200) { _ = try LuaState() }
    try measure("BkupHost init", 200) { let h = try BkupHost(); h.close() }
    try measure("BkupHost init + run print(1)", 200) {
        let h = try BkupHost()
        h.output = { _ in }
        try h.run(string: "print(1)")
        h.close()
    }
}

/// What each limit costs CPU-bound Lua: the same workload in one host, run with no limits,
/// with a deadline, an instruction budget, a memory cap; the best of 15 runs of each, in
/// CPU time (this machine's wall clock is noisy).
func limits() throws {
    let workload = """
        local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
        local t = {}
        for i = 1, 200000 do t[i] = tostring(i) end
        return fib(27) + #table.concat(t)
        """
    let host = try BkupHost()
    host.output = { _ in }
    let cases: [(String, RunLimits)] = [
        ("no limits (baseline)", RunLimits()),
        ("--timeout 1e6", RunLimits(timeout: 1_000_000)),
        ("--max-instructions 1e12", RunLimits(maxInstructions: 1_000_000_000_000)),
        ("--max-memory 1G", RunLimits(maxMemory: 1 << 30)),
        ("all three", RunLimits(timeout: 1_000_000, maxInstructions: 1_000_000_000_000, maxMemory: 1 << 30)),
    ]
    var best = [Double](repeating: .infinity, count: cases.count)
    for _ in 0..<15 {
        for (i, (_, limits)) in cases.enumerated() {
            host.limits = limits
            host.lua.collectGarbage()  // each run starts from the same heap
            let t0 = clock()
            try host.run(string: workload)
            best[i] = min(best[i], Double(clock() - t0) / Double(CLOCKS_PER_SEC) * 1000)
        }
    }
    for (i, (label, _)) in cases.enumerated() {
        print(label.padding(toLength: 26, withPad: " ", startingAt: 0)
              + String(format: "%7.1f ms CPU   %.2fx", best[i], best[i] / best[0]))
    }
}

let args = Array(CommandLine.arguments.dropFirst())
switch args.first {
case "calls": try calls()
case "async": try await asyncCalls()
case "startup": try hostStartup()
case "limits": try limits()
case "client": try await client(Array(args.dropFirst()))
case "latency": try await latency(Array(args.dropFirst()))
default:
    print("usage: bkup-bench calls | limits | startup | client URL PROJECT KEY N C | latency URL PROJECT KEY N LABEL=QUERIES...")
    exit(2)
}
