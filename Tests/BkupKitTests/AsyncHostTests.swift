import BackupsEmulator
import BkupJSON
import BkupKit
import BkupTestSupport
import Foundation
import XCTest

/// Embedding in async Swift: `await host.run` never blocks the cooperative pool, cancelling the
/// task stops the script, async functions Lua calls run concurrently, many hosts at once.
/// Each test waits for its async work from the XCTest thread with a deadline, so that a
/// starved pool fails the test instead of hanging it.
final class AsyncHostTests: XCTestCase {
    var emulator: EmulatorHarness!

    override func tearDownWithError() throws {
        if let e = emulator { try e.blocking { await e.stop() } }
    }

    /// An emulator that answers after `latency` milliseconds, as a distant region does.
    func start(latency: Int = 0, seed: Int = 2) throws {
        var config = EmulatorConfiguration(key: "async-key-\(UUID().uuidString)")
        config.port = 0
        config.seed = seed
        config.latencyMilliseconds = latency
        emulator = EmulatorHarness(server: try EmulatorServer.startBlocking(config))
    }

    func host(concurrency: Int = 64) throws -> BkupHost {
        var c = HostConfiguration.testing(emulator)
        c.concurrency = concurrency
        let h = try BkupHost(configuration: c)
        h.notice = { _ in }
        return h
    }

    /// Runs `body` in a Swift task and waits for it on this (non-pool) thread, up to `seconds`.
    func awaitResult<T: Sendable>(seconds: Double = 120, _ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = Box<Result<T, any Error>>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { box.value = .success(try await body()) } catch { box.value = .failure(error) }
            done.signal()
        }
        guard done.wait(timeout: .now() + seconds) == .success else {
            XCTFail("no result within \(seconds) s: the cooperative pool is starved or the run hangs")
            throw CancellationError()
        }
        return try box.value!.get()
    }

    func testAwaitRunFromEveryPoolThreadWithRequestsInFlight() throws {
        try start(latency: 50)
        // As many runs as the pool has threads, each with 64 requests in flight: a run that
        // blocked its thread would leave no thread for the requests to finish on.
        let threads = max(2, ProcessInfo.processInfo.activeProcessorCount)
        let hosts = try (0..<threads).map { _ in UncheckedSendable(try host()) }
        let counts = try awaitResult {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for h in hosts {
                    group.addTask {
                        let r = try await h.value.run(string: """
                            local list = {}
                            for i = 1, 64 do list[i] = i end
                            local results, errors = task.map(list, function() return backups.policies.list().total end, {concurrency = 64})
                            if next(errors) then error(tostring(select(2, next(errors)))) end
                            return #results
                            """)
                        return Int(r.first?.intValue ?? -1)
                    }
                }
                var all: [Int] = []
                for try await n in group { all.append(n) }
                return all
            }
        }
        XCTAssertEqual(counts, Array(repeating: 64, count: threads))
    }

    func testCancellingTheTaskStopsTheScriptAndTheHostRunsAgain() throws {
        try start(latency: 3000)
        let h = UncheckedSendable(try host())
        let started = Box<Bool>()
        h.value.output = { _ in started.value = true }
        let outcome = try awaitResult { () -> String in
            let run = Task {
                try await h.value.run(string: """
                    print("started")
                    local list = {}
                    for i = 1, 32 do list[i] = i end
                    task.map(list, function() return backups.policies.list() end, {concurrency = 32})
                    return "finished"
                    """)
            }
            while started.value != true { try await Task.sleep(nanoseconds: 10_000_000) }
            try await Task.sleep(nanoseconds: 200_000_000)  // the 32 requests are in flight
            run.cancel()
            do {
                _ = try await run.value
                return "not cancelled"
            } catch is CancellationError {
                return "cancelled"
            }
        }
        XCTAssertEqual(outcome, "cancelled")
        XCTAssertEqual(h.value.lastStop, .interrupted)
        // The host is whole: it runs again (with the latency the emulator still has).
        let again = try awaitResult { try await h.value.run(string: "return backups.policies.list({Query.limit(1)}).total") }
        XCTAssertEqual(again.first?.intValue, 0)
        // A run cancelled before it starts never starts.
        let early = try awaitResult { () -> String in
            let run = Task { try await h.value.run(string: "print('ran') return 1") }
            run.cancel()
            do { _ = try await run.value; return "ran" } catch is CancellationError { return "cancelled" }
        }
        XCTAssertTrue(["cancelled", "ran"].contains(early))
    }

    func testAnAsyncFunctionRunsForAHundredTasksAtOnce() throws {
        try start()
        let h = UncheckedSendable(try host())
        // The function returns only when all 100 calls are in it: were they one after another,
        // the first would wait forever (and fail after 30 s).
        let gate = Gate(expected: 100)
        try h.value.register("approve") { args async throws -> String in
            let ticket = try args.string(1)
            try await gate.arrive(timeout: 30)
            if ticket == "OPS-13" { throw BackupsError(code: 403, type: "approval_refused", message: "OPS-13 is refused") }
            return "approved \(ticket)"
        }
        try h.value.register(module: "tickets") { tickets in
            tickets.function("open") { args async throws -> String in "OPS-\(try args.integer(1))" }
            tickets.function("fail") { _ async throws in throw URLError(.timedOut) }
        }
        let r = try awaitResult {
            try await h.value.run(string: """
                local list = {}
                for i = 1, 100 do list[i] = i end
                local results, errors = task.map(list, function(i) return approve(require("tickets").open(i)) end, {concurrency = 100})
                local ok, e = pcall(tickets.fail)
                local approved = 0
                for _ in pairs(results) do approved = approved + 1 end
                return results[1], errors[13].type, errors[13].code, errors[13].message, approved, ok, e.type
                """)
        }
        XCTAssertEqual(r, [.string("approved OPS-1"), .string("approval_refused"), .integer(403), .string("OPS-13 is refused"),
                           .integer(99), .bool(false), .string("host_error")])
        XCTAssertEqual(gate.most, 100)
    }

    func testEightHostsRunAtOnceSharingOneConnectionPool() throws {
        try start(latency: 5)
        let pools = BackupsClient.sharedConnectionPools
        let hosts = try (0..<8).map { _ in UncheckedSendable(try host()) }
        let made = try awaitResult {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for (n, h) in hosts.enumerated() {
                    group.addTask {
                        let r = try await h.value.run(string: """
                            local n = ...
                            local list = {}
                            for i = 1, 20 do list[i] = i end
                            local _, errors = task.map(list, function(i)
                              backups.policies.create{id = string.format("h%d-%02d", n, i), services = {"databases"},
                                retention = 7, schedule = "0 2 * * *"}
                            end)
                            if next(errors) then error(tostring(select(2, next(errors)))) end
                            local count = 0
                            for _ in backups.policies.each({Query.startsWith("$id", "h" .. n .. "-")}) do count = count + 1 end
                            return count
                            """, args: [String(n)])
                        return Int(r.first?.intValue ?? -1)
                    }
                }
                var total = 0
                for try await n in group { total += n }
                return total
            }
        }
        XCTAssertEqual(made, 160)
        XCTAssertEqual(BackupsClient.sharedConnectionPools, pools + 1, "one HTTP client for the endpoint, whatever the number of hosts")
    }
}


struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Lets callers through once `expected` of them are waiting.
actor Gate {
    let expected: Int
    private var waiting = 0
    private(set) var mostSeen = 0
    private var continuations: [CheckedContinuation<Void, Never>] = []

    init(expected: Int) { self.expected = expected }

    nonisolated var most: Int { mostBox.value ?? 0 }
    private nonisolated let mostBox = Box<Int>()

    func arrive(timeout: Double) async throws {
        waiting += 1
        mostSeen = max(mostSeen, waiting)
        mostBox.value = mostSeen
        if waiting >= expected {
            for c in continuations { c.resume() }
            continuations = []
            return
        }
        let deadline = Task { [weak self] in
            try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
            await self?.release()
        }
        await withCheckedContinuation { continuations.append($0) }
        deadline.cancel()
        if waiting < expected { throw BackupsError(code: 0, type: "gate_timeout", message: "only \(waiting) of \(expected) calls arrived") }
    }

    private func release() {
        for c in continuations { c.resume() }
        continuations = []
    }
}
