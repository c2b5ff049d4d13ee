import BkupTestSupport
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class ServeTests: XCTestCase {
    func testServePrintsWhereAndNeverAGivenKey() throws {
        let server = try ServeProcess(["--in-memory", "--key", "given-secret-key"])
        XCTAssertEqual(server.interrupt(), 0, "SIGINT shuts down cleanly")
        let rest = server.stdout.wait(seconds: 10)
        XCTAssertTrue(server.url.hasPrefix("http://127.0.0.1:"))
        XCTAssertTrue(rest.contains("key:     (from --key)"), rest)
        XCTAssertFalse(rest.contains("given-secret-key"))
    }

    /// kill -9 in the middle of writes from 8 clients at once (so that commits are shared):
    /// every write that got a 2xx is there after a restart, with either durability (`process`
    /// promises this much too: only a crash of the machine may lose acknowledged writes).
    func testCrashDurability() throws {
        for durability in ["full", "process"] {
            let data = NSTemporaryDirectory() + "bkup-crash-\(UUID().uuidString).sqlite"
            defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: data + s) } }
            let server = try ServeProcess(["--data", data, "--key", "k", "--durability", durability])
            let acknowledged = Acknowledged()
            let harness = EmulatorHarnessClient(url: server.url, key: "k")
            let writers = (0..<8).map { w in
                Task {
                    var i = 0
                    while !Task.isCancelled {
                        i += 1
                        let id = "crash-\(w)-\(i)"
                        guard let status = try? await harness.create(id) else { break }
                        if status == 201 { acknowledged.add(id) }
                    }
                }
            }
            let deadline = Date().addingTimeInterval(60)
            while acknowledged.count < 200 && Date() < deadline { usleep(10_000) }
            server.kill9()
            for writer in writers { writer.cancel() }
            let acked = acknowledged.all
            XCTAssertGreaterThanOrEqual(acked.count, 200, durability)
            let restarted = try ServeProcess(["--data", data, "--key", "k"])
            defer { _ = restarted.interrupt() }
            let stored = try EmulatorHarnessClient(url: restarted.url, key: "k").blockingIDs()
            for id in acked { XCTAssertTrue(stored.contains(id), "\(durability): \(id) was acknowledged but lost") }
        }
    }

    func testServeRefusesWhatItCannotDo() throws {
        for (args, message) in [(["--durability", "sometimes"], "--durability: full or process expected, got 'sometimes'"),
                                (["--latency", "-5"], "--latency: 0-60000 ms expected, got '-5'"),
                                (["--in-memory", "--data", "x.sqlite"], "--data and --in-memory exclude each other")] {
            let r = try runTool(["serve"] + args)
            XCTAssertEqual(r.status, 2, args.joined(separator: " "))
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
        }
    }
}

final class Acknowledged: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String] = []
    func add(_ id: String) { lock.lock(); ids.append(id); lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return ids.count }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return ids }
}

/// Plain HTTP to a `bkup serve` process.
struct EmulatorHarnessClient: Sendable {
    let url: String
    let key: String

    func create(_ id: String) async throws -> Int {
        var r = HTTPClientRequest(url: url + "/backups/policies")
        r.method = .POST
        r.headers.add(name: "X-Appwrite-Project", value: "bkup-local")
        r.headers.add(name: "X-Appwrite-Key", value: key)
        r.headers.add(name: "content-type", value: "application/json")
        r.body = .bytes(.init(string: #"{"policyId":"\#(id)","services":["databases"],"retention":7,"schedule":"0 2 * * *"}"#))
        let response = try await HTTPClient.shared.execute(r, timeout: .seconds(5))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    func blockingIDs() throws -> Set<String> {
        let box = IDsBox()
        let done = DispatchSemaphore(value: 0)
        let url = self.url, key = self.key
        Task {
            var r = HTTPClientRequest(url: url + "/backups/policies?queries%5B%5D=%7B%22method%22%3A%22limit%22%2C%22values%22%3A%5B5000%5D%7D")
            r.headers.add(name: "X-Appwrite-Project", value: "bkup-local")
            r.headers.add(name: "X-Appwrite-Key", value: key)
            if let response = try? await HTTPClient.shared.execute(r, timeout: .seconds(10)),
                let body = try? await response.body.collect(upTo: 64 << 20)
            {
                box.text = String(buffer: body)
            }
            done.signal()
        }
        _ = done.wait(timeout: .now() + 30)
        var ids = Set<String>()
        var rest = Substring(box.text)
        while let r = rest.range(of: #""$id":""#) {
            rest = rest[r.upperBound...]
            if let end = rest.firstIndex(of: "\"") { ids.insert(String(rest[..<end])) }
        }
        return ids
    }
}

final class IDsBox: @unchecked Sendable { var text = "" }
