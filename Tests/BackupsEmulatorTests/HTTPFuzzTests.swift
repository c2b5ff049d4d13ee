import BackupsEmulator
import BkupJSON
import BkupTestSupport
import Foundation
import XCTest

/// Seeded random requests against a real emulator over a raw socket: methods, paths, query
/// strings (percent-escapes, brackets, bare `=`, `&&`, huge and unicode values), headers and
/// bodies. Every answer must be a success or a well-formed Appwrite error: never a 5xx, never a
/// dropped connection; and the server answers a normal request afterwards.
final class HTTPFuzzTests: XCTestCase {
    /// Fixed, so that CI is repeatable; BKUP_FUZZ_SEEDS=3,4,5 explores others.
    static let seeds: [UInt64] = ProcessInfo.processInfo.environment["BKUP_FUZZ_SEEDS"].map {
        $0.split(separator: ",").compactMap { UInt64($0) }
    } ?? [1, 7, 42, 2026]
    static let requestsPerSeed = 5_000

    func testRandomRequestsGetWellFormedAnswers() async throws {
        let e = try await EmulatorHarness.start(key: "fuzz-key-0123456789", seed: 5, speed: 1e-6)
        defer { Task { await e.stop() } }
        var failures: [String] = []
        var statuses: [Int: Int] = [:]
        for seed in Self.seeds {
            var fuzzer = RequestFuzzer(seed: seed, project: e.project, key: e.key, port: e.server.port)
            let connection = RawHTTPConnection(port: e.server.port)
            for n in 0..<Self.requestsPerSeed {
                let (bytes, method) = fuzzer.request()
                let summary = "seed \(seed) #\(n): \(String(decoding: bytes.prefix(200), as: UTF8.self).debugDescription)"
                do {
                    let reply = try connection.send(bytes, expectBody: method != "HEAD")
                    statuses[reply.status, default: 0] += 1
                    if let problem = Self.problem(reply, method: method) { failures.append("\(summary) -> \(problem)") }
                } catch {
                    failures.append("\(summary) -> \(error)")
                    connection.close()
                }
                if failures.count > 20 { break }
            }
        }
        XCTAssertEqual(failures, [], "\(failures.count) bad answers")
        let total = statuses.values.reduce(0, +)
        XCTAssertGreaterThanOrEqual(total, Self.seeds.count * Self.requestsPerSeed)
        XCTAssertGreaterThan(statuses.filter { (200..<300).contains($0.key) }.values.reduce(0, +), total / 20, "\(statuses)")
        let normal = try await e.request(.GET, "/backups/policies")
        XCTAssertEqual(normal.status, 200)
        XCTAssertNotNil(normal.json["total"]?.intValue)
    }

    /// Bytes that are not HTTP at all: the parser answers 400 and closes; the server goes on.
    func testInvalidHTTPIsRefusedAndTheServerGoesOn() async throws {
        let e = try await EmulatorHarness.start()
        defer { Task { await e.stop() } }
        for raw in ["GET /v1/backups/policies HTTP/1.1\r\nX-Appwrite-Project: a\u{1}b\r\n\r\n", "GARBAGE\r\n\r\n",
                    "GET /v1/\u{7F} HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/9.9\r\n\r\n"] {
            let connection = RawHTTPConnection(port: e.server.port)
            if let reply = try? connection.send(Array(raw.utf8)) {
                XCTAssertEqual(reply.status, 400, raw.debugDescription)
                XCTAssertEqual(reply.header("connection")?.lowercased(), "close", raw.debugDescription)
            }
        }
        let normal = try await e.request(.GET, "/backups/policies")
        XCTAssertEqual(normal.status, 200)
    }

    static func problem(_ reply: RawHTTPConnection.Reply, method: String) -> String? {
        guard reply.status < 500 else { return "status \(reply.status): \(String(decoding: reply.body, as: UTF8.self))" }
        guard reply.header("content-type") != nil else { return "no Content-Type: \(reply.status) \(reply.headers)" }
        if method == "HEAD" || reply.status == 204 { return nil }
        guard let json = try? JSONCodec.decode(reply.body) else {
            return "status \(reply.status) with a body that is not JSON: \(String(decoding: reply.body.prefix(200), as: UTF8.self))"
        }
        if reply.status >= 400 {
            guard json["message"]?.stringValue != nil, json["type"]?.stringValue != nil, json["version"]?.stringValue != nil,
                json["code"]?.intValue == Int64(reply.status)
            else { return "status \(reply.status) without Appwrite's error shape: \(json)" }
        }
        return nil
    }
}

/// Makes one random request at a time.
struct RequestFuzzer {
    var rng: SeededRandom
    let project: String
    let key: String
    let port: Int

    init(seed: UInt64, project: String, key: String, port: Int) {
        rng = SeededRandom(seed: seed)
        self.project = project
        self.key = key
        self.port = port
    }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }

    mutating func text(maxLength: Int = 40) -> String {
        let alphabets = ["abcdefghijklmnopqrstuvwxyz0123456789-_.", "%&=[]{}\"'\\/?#+ ,;:<>", "é漢字🙂\u{0}\u{1F}\u{7F}\u{FFFD}", "*LW#?@"]
        var s = ""
        for _ in 0..<int(0...maxLength) { s.unicodeScalars.append(pick(Array(pick(alphabets).unicodeScalars))) }
        return s
    }

    mutating func percentEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            let c = Character(Unicode.Scalar(b))
            if (c.isLetter || c.isNumber) && b < 128 && !chance(0.1) { out.append(c) } else { out += String(format: "%%%02X", b) }
        }
        return out
    }

    /// Raw characters allowed in a request target: visible ASCII but `#`, `?` and `%` (left to
    /// the escapes the fuzzer makes on purpose).
    func targetSafe(_ s: String) -> String {
        String(s.unicodeScalars.filter { $0.value > 0x20 && $0.value < 0x7F && !"#?%".unicodeScalars.contains($0) }.map(Character.init))
    }

    mutating func id() -> String {
        switch int(0...9) {
        case 0: return "_bad"
        case 1: return String(repeating: "x", count: 37)
        case 2: return percentEncode(text())
        case 3: return "%ZZ" + targetSafe(text(maxLength: 4))
        case 4: return "unique()"
        default: return pick(["db-0001", "db-0002", "p1", "nightly-1", "missing", "a.b-c_d"])
        }
    }

    mutating func path() -> String {
        var p: String
        switch int(0...14) {
        case 0: p = "backups/policies/" + id()
        case 1: p = "backups/archives/" + id()
        case 2: p = "backups/restorations/" + id()
        case 3: p = "backups/restoration"
        case 4: p = "backups/archives"
        case 5: p = "backups/restorations"
        case 6: p = pick(["databases", "tablesdb", "storage/buckets", "functions"])
        case 7: p = "emulator/" + pick(["clock", "seed", "stats", "reset", "nothing"])
        case 8: p = percentEncode(text()) + "/" + percentEncode(text())
        case 9: p = pick(["", "backups", "backups/", "backups//policies", "../v1/backups/policies", "backups/policies/a/b"])
        default: p = "backups/policies"
        }
        return (chance(0.05) ? pick(["/v2/", "/", "/v1"]) : "/v1/") + p
    }

    mutating func queryValue() -> String {
        switch int(0...7) {
        case 0: return percentEncode(text(maxLength: 200))
        case 1: return String(repeating: "x", count: int(1000...9000))
        case 2: return "=" + targetSafe(text(maxLength: 5))
        default:
            let method = pick(["equal", "notEqual", "lessThan", "greaterThan", "between", "isNull", "startsWith", "contains",
                               "search", "select", "orderAsc", "orderDesc", "orderRandom", "limit", "offset", "cursorAfter",
                               "cursorBefore", "or", "and", "nope", ""])
            let attribute = pick(["$id", "$createdAt", "status", "name", "retention", "enabled", "services", "size", "nope", ""])
            let value: String = pick(["\"x\"", "1", "-1", "1.5", "true", "null", "[]", "{}", "\"2026-01-01\"", "9999999999999999999999", "5001", "2147483648", "1e400",
                                      "\"" + text(maxLength: 10).replacingOccurrences(of: "\\", with: "").replacingOccurrences(of: "\"", with: "") + "\""])
            let json = chance(0.8) ? "{\"method\":\"\(method)\",\"attribute\":\"\(attribute)\",\"values\":[\(value)]}" : text(maxLength: 30)
            return percentEncode(json)
        }
    }

    mutating func query() -> String {
        guard chance(0.6) else { return "" }
        var pairs: [String] = []
        for _ in 0..<int(0...6) {
            switch int(0...8) {
            case 0: pairs.append("queries[]=" + queryValue())
            case 1: pairs.append("queries%5B\(int(-2...200))%5D=" + queryValue())
            case 2: pairs.append("queries[\(pick(["", "x", "99999999999999999999", "-1"]))]=" + queryValue())
            case 3: pairs.append("total=" + pick(["false", "true", "0", "1", "maybe", ""]))
            case 4: pairs.append(pick(["=", "==", "", "&", "a", "a=", "=b", "%", "%G0=1", "queries"]))
            case 5: pairs.append(percentEncode(text(maxLength: 8)) + "=" + percentEncode(text(maxLength: 8)))
            default: pairs.append("queries%5B%5D=" + queryValue())
            }
        }
        return "?" + pairs.joined(separator: chance(0.2) ? "&&" : "&")
    }

    mutating func jsonValue(depth: Int = 0) -> String {
        switch int(0...(depth > 3 ? 5 : 8)) {
        case 0: return "null"
        case 1: return pick(["true", "false"])
        case 2: return String(int(-5...100_000))
        case 3:
            // The edges of every domain (int32, Int64, a double), where the retention overflow was.
            return pick(["1.5", "-0.0", "1e308", "7.0", "1e-9", "2147483647", "2147483648", "1000000000000", "9223372036854775807",
                         "9223372036854775808", "-9223372036854775809", "1e400", "-1", "3155760001"])
        case 4, 5:
            let s = text(maxLength: 30).unicodeScalars.map { $0.value < 0x20 || $0 == "\"" || $0 == "\\" ? String(format: "\\u%04x", $0.value) : String($0) }.joined()
            return "\"" + s + "\""
        case 6: return "[" + (0..<int(0...3)).map { _ in jsonValue(depth: depth + 1) }.joined(separator: ",") + "]"
        default:
            let fields = ["policyId", "services", "retention", "schedule", "name", "resourceId", "enabled", "archiveId", "newResourceId",
                          "newResourceName", "databases", "buckets", "archives", "advanceSeconds", "advanceDays", "x"]
            return "{" + (0..<int(0...4)).map { _ in "\"\(pick(fields))\":\(jsonValue(depth: depth + 1))" }.joined(separator: ",") + "}"
        }
    }

    mutating func body(path: String) -> [UInt8] {
        if path.hasSuffix("emulator/clock") {
            // Small moves only: a fuzzed century of per-minute schedules would be a benchmark.
            return Array("{\"advanceSeconds\":\(pick(["1", "60", "\"10\"", "-1", "1e400", "null", "3600"]))}".utf8)
        }
        switch int(0...10) {
        case 0: return []
        case 1: return Array(text(maxLength: 50).utf8)
        case 2: return Array("{\"name\":\"\(String(repeating: "n", count: int(100...3000)))\"}".utf8)
        case 3: return Array(String(repeating: "[", count: int(900...1200)).utf8)
        case 4: return (0..<int(1...64)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        case 5:
            let services = pick(["[\"databases\"]", "[\"storage\"]", "[]", "[\"nope\"]", "\"databases\""])
            let schedule = pick(["\"0 2 * * *\"", "\"@daily\"", "\"0 0 L * *\"", "\"61 * * * *\"", "5", "\"* * * * *\""])
            return Array("{\"policyId\":\"\(pick(["fz-\(int(0...50))", "unique()", "_x"]))\",\"services\":\(services),\"retention\":\(pick(["1", "30", "0", "\"7\""])),\"schedule\":\(schedule)}".utf8)
        default: return Array(jsonValue().utf8)
        }
    }

    /// Any text as a valid header value: visible ASCII and spaces (a control character makes
    /// the request invalid HTTP, which the HTTP parser answers before any route: tested apart).
    func headerValue(_ s: String) -> String {
        String(s.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }.map(Character.init)).trimmingCharacters(in: .whitespaces)
    }

    mutating func request() -> ([UInt8], String) {
        let method = pick(["GET", "GET", "GET", "POST", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS"])
        let target = path() + query()
        var headers = ["Host: 127.0.0.1:\(port)"]
        switch int(0...19) {
        case 0: break
        case 1: headers.append("X-Appwrite-Project: other-project")
        case 2: headers.append("X-Appwrite-Project: " + headerValue(text(maxLength: 20)))
        default: headers.append("X-Appwrite-Project: \(project)")
        }
        switch int(0...19) {
        case 0: break
        case 1: headers.append("X-Appwrite-Key: wrong")
        default: headers.append("X-Appwrite-Key: \(key)")
        }
        if chance(0.3) {
            headers.append("X-" + percentEncode(text(maxLength: 10)).replacingOccurrences(of: "%", with: "") + ": " + headerValue(text(maxLength: 60)))
        }
        var body: [UInt8] = []
        if method != "GET" && method != "HEAD" || chance(0.05) {
            body = self.body(path: target)
            headers.append("Content-Type: " + pick(["application/json", "text/plain", "application/x-www-form-urlencoded", ""]))
        }
        headers.append("Content-Length: \(body.count)")
        var bytes = Array("\(method) \(target) HTTP/1.1\r\n".utf8)
        bytes += Array((headers.joined(separator: "\r\n") + "\r\n\r\n").utf8)
        bytes += body
        return (bytes, method)
    }
}
