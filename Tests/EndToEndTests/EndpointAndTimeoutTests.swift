import BkupTestSupport
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// An endpoint that cannot be one is bad usage before anything runs; the hint for one without
/// /v1 names where the API most likely is; a request that gets no answer says how long it
/// really took, and `--request-timeout` sets how long one attempt waits.
final class EndpointAndTimeoutTests: XCTestCase {
    var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "bkup-endpoints-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    var env: [String: String] { ["XDG_DATA_HOME": dir + "/data", "APPWRITE_PROJECT_ID": "p", "APPWRITE_API_KEY": "walk-key-0123456789"] }

    func testAMalformedEndpointIsBadUsageBeforeAnythingRuns() throws {
        let cases: [(String, String)] = [
            ("127.0.0.1:8080/v1", "'127.0.0.1:8080/v1' has no scheme: write http://127.0.0.1:8080/v1 (or https://127.0.0.1:8080/v1)"),
            ("ftp://files.example/v1", "is not an http:// or https:// URL"),
            ("http:///v1", "is not a URL with a host name"),
            ("https://cloud.appwrite.io/v1?project=x", "an endpoint has no query or fragment"),
            ("https://admin:hunter22@cloud.appwrite.io/v1", "carries a user name or password"),
            ("", "the endpoint is empty"),
        ]
        for (endpoint, message) in cases {
            for words in [["--endpoint", endpoint, "-e", "print('ran')"], ["--endpoint", endpoint, "doctor"], ["run", "--endpoint", endpoint, "audit"],
                          ["apply", "--endpoint", endpoint, "plan.json"]] {
                let r = try runTool(words, env: env)
                XCTAssertEqual(r.status, 2, "\(words): \(r.stderr)")
                XCTAssertEqual(r.stdout, "", "nothing ran: \(words)")
                XCTAssertTrue(r.stderr.contains("--endpoint: ") && r.stderr.contains(message), "\(words): \(r.stderr)")
                XCTAssertTrue(r.stderr.contains("usage: "), r.stderr)
                XCTAssertFalse(r.stderr.contains("hunter22"), "a password in the URL is never echoed")
            }
        }
        let variable = try runTool(["-e", "print('ran')"], env: env.merging(["APPWRITE_ENDPOINT": "localhost:8080/v1"]) { $1 })
        XCTAssertEqual(variable.status, 2, variable.stderr)
        XCTAssertTrue(variable.stderr.contains("APPWRITE_ENDPOINT: 'localhost:8080/v1' has no scheme"), variable.stderr)
        XCTAssertEqual(variable.stdout, "")
        // From Lua, the same check raises before any request.
        let connect = try runTool(["-e", "print(pcall(backups.connect, {endpoint = '127.0.0.1:1/v1', project = 'p', key = 'k'}))"],
                                  env: env)
        XCTAssertEqual(connect.status, 0, connect.stderr)
        XCTAssertTrue(connect.stdout.hasPrefix("false\t") && connect.stdout.contains("has no scheme"), connect.stdout)
    }

    /// Where Appwrite's API most likely is, for an endpoint that does not end in /v1: a /v2 is
    /// replaced, a bare host gets /v1.
    func testTheHintForAnEndpointWithoutV1NamesTheLikelyAPI() throws {
        let e = try EmulatorHarness.startBlocking()
        defer { try? e.blocking { await e.stop() } }
        let base = String(e.url.dropLast(3))
        for endpoint in [base + "/v2", base + "/v2/", base] {
            let r = try runTool(["-e", "local ok, err = pcall(backups.policies.list) print(tostring(err))"],
                                env: ["APPWRITE_ENDPOINT": endpoint, "APPWRITE_PROJECT_ID": e.project, "APPWRITE_API_KEY": e.key])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("does not end in /v1; Appwrite's API is most likely at \(e.url)\n"), "\(endpoint): \(r.stdout)")
            XCTAssertFalse(r.stdout.contains("…"), r.stdout)
            let doctor = try runTool(["doctor"], env: ["APPWRITE_ENDPOINT": endpoint, "APPWRITE_PROJECT_ID": e.project, "APPWRITE_API_KEY": e.key])
            XCTAssertTrue(doctor.stdout.contains("Appwrite's API is most likely at \(e.url)\n"), doctor.stdout)
        }
    }

    /// A port that accepts connections and never answers: the kernel completes the handshake
    /// for a listening socket that nobody accepts on.
    func silentEndpoint() throws -> (url: String, socket: Int32) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        XCTAssertEqual(bound, 0)
        XCTAssertEqual(listen(fd, 128), 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return ("http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))/v1", fd)
    }

    func testARequestWithoutAnAnswerSaysHowLongItReallyTook() throws {
        let silent = try silentEndpoint()
        defer { close(silent.socket) }
        let key = dir + "/key"
        // Not the operator's key (APPWRITE_API_KEY): that one never goes to another endpoint.
        try "quiet-key-0123456789\n".write(toFile: key, atomically: true, encoding: .utf8)
        try """
            {"projects": [{"name": "quiet", "project": "p", "endpoint": "\(silent.url)", "keyFile": "key"}]}
            """.write(toFile: dir + "/fleet.json", atomically: true, encoding: .utf8)
        let started = Date()
        let r = try runTool(["--fleet", dir + "/fleet.json", "--request-timeout", "0.2", "--verbose", "run", "audit"], env: env)
        let ran = Date().timeIntervalSince(started)
        XCTAssertEqual(r.status, 1, r.stderr)
        // Each attempt waited its 0.2 s; the error and the fleet's table agree on the total.
        let attempts = r.stderr.components(separatedBy: "\n").filter { $0.contains(" timeout attempt=") }
        XCTAssertEqual(attempts.count, 8, r.stderr)
        for line in attempts {
            let ms = Double(line.split(separator: " ").first { $0.hasSuffix("ms") }?.dropLast(2) ?? "") ?? 0
            XCTAssertGreaterThanOrEqual(ms, 200, line)
        }
        let regex = try NSRegularExpression(pattern: #"did not answer within 0\.2 s \(8 attempts in ([0-9.]+) s\)"#)
        let summary = r.stdout.split(separator: "\n").first { $0.contains("quiet ") && $0.contains("failed") }.map(String.init) ?? ""
        guard let match = regex.firstMatch(in: summary, range: NSRange(summary.startIndex..., in: summary)),
              let range = Range(match.range(at: 1), in: summary), let stated = Double(summary[range]) else {
            return XCTFail("the table's last line: \(r.stdout)")
        }
        let seconds = Double(summary.split(separator: " ").dropFirst(2).first ?? "") ?? 0
        XCTAssertGreaterThanOrEqual(stated, 8 * 0.2, "at least the attempts themselves")
        XCTAssertLessThanOrEqual(stated, seconds + 0.05, "the request's time is within the project's: \(summary)")
        XCTAssertLessThanOrEqual(seconds, ran, summary)
        XCTAssertEqual(r.stderr.components(separatedBy: "attempts in").count, 2, "one request gave up, once: \(r.stderr)")

        for bad in ["0", "-1", "nan", "inf", "soon", "1e12"] {
            let refused = try runTool(["--request-timeout", bad, "-e", "print('ran')"], env: env)
            XCTAssertEqual(refused.status, 2, bad)
            XCTAssertTrue(refused.stderr.contains("--request-timeout: seconds expected"), refused.stderr)
            XCTAssertEqual(refused.stdout, "")
        }
    }
}
