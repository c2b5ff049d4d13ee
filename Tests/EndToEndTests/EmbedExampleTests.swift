import BkupTestSupport
import Foundation
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// BkupEmbedExample as a service: a job from a folder, sandboxed and limited, its printed lines
/// streamed back, an async Swift function, errors a client can read.
final class EmbedExampleTests: XCTestCase {
    func testTheExampleServiceRunsJobsAndStreamsTheirLines() throws {
        let e = try EmulatorHarness.startBlocking(seed: 3)
        defer { try? e.blocking { await e.stop() } }
        let jobs = NSTemporaryDirectory() + "bkup-jobs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: jobs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: jobs) }
        try """
            local who = ...
            local n = 0
            for db in backups.resources.databases.each() do
              n = n + 1
              print("database " .. db["$id"])
            end
            local ok, err = pcall(approve, "OPS-13")
            print("OPS-13: " .. (ok and "approved" or err.type))
            return approve("OPS-" .. n), who
            """.write(toFile: jobs + "/count.lua", atomically: true, encoding: .utf8)
        try "return io.open('/etc/passwd')".write(toFile: jobs + "/escape.lua", atomically: true, encoding: .utf8)

        let p = Process()
        p.executableURL = productsDirectory().appendingPathComponent("BkupEmbedExample")
        p.arguments = ["serve", "--port", "0", "--jobs", jobs]
        var environment = ProcessInfo.processInfo.environment
        environment["APPWRITE_ENDPOINT"] = e.url
        environment["APPWRITE_PROJECT_ID"] = e.project
        environment["APPWRITE_API_KEY"] = e.key
        p.environment = environment
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        defer { p.terminate() }
        let listening = PipeCollector(out).waitFor("/jobs/NAME", seconds: 30) ?? ""
        guard let range = listening.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) else {
            return XCTFail("the example did not say where it listens: \(listening)")
        }
        let base = String(listening[range])

        func post(_ path: String, _ body: String = "") throws -> (Int, String) {
            var request = URLRequest(url: URL(string: base + path)!)
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            let box = (status: Box<Int>(), text: Box<String>())
            let done = DispatchSemaphore(value: 0)
            URLSession.shared.dataTask(with: request) { data, response, _ in
                box.status.value = (response as? HTTPURLResponse)?.statusCode ?? 0
                box.text.value = String(decoding: data ?? Data(), as: UTF8.self)
                done.signal()
            }.resume()
            _ = done.wait(timeout: .now() + 60)
            return (box.status.value ?? 0, box.text.value ?? "")
        }

        let (status, text) = try post("/jobs/count", "ana")
        XCTAssertEqual(status, 200, text)
        XCTAssertEqual(text, """
            database db-0001
            database db-0002
            database db-0003
            OPS-13: approval_refused
            result: ["approved OPS-3","ana"]

            """)
        let (_, escape) = try post("/jobs/escape")
        XCTAssertTrue(escape.hasPrefix("error: ") && escape.contains("io"), "the sandbox holds: \(escape)")
        XCTAssertEqual(try post("/jobs/nope").0, 404)
        XCTAssertEqual(try post("/jobs/..%2Fetc").0, 400)
    }
}

