import BackupsEmulator
import BkupJSON
import Dispatch
import Synchronization

/// Each route's request decoding in the emulator, through the real router and middleware, in a
/// fresh in-memory emulator per input. The input is up to eight requests, two lines each:
///
///     POST /v1/backups/policies
///     {"policyId":"p","services":["databases"],"retention":7,"schedule":"0 2 * * *"}
///     PATCH /v1/backups/policies/p
///     {"retention":1000000000000}
///
/// Every answer is a success or an Appwrite-shaped 4xx: never a 5xx or a dropped answer. A
/// request for faults ends the input (its next answers are meant to fail). Afterwards the
/// emulator still answers a plain list.
enum EmulatorTarget {
    static let maxRequests = 8

    static func run(_ bytes: [UInt8]) -> String? {
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        var requests: [(method: String, target: String, body: [UInt8])] = []
        var i = 0
        while i < lines.count, requests.count < maxRequests {
            let line = String(decoding: lines[i], as: UTF8.self)
            let body = i + 1 < lines.count ? Array(lines[i + 1]) : []
            i += 2
            guard let space = line.firstIndex(of: " ") else { continue }
            requests.append((String(line[..<space]), String(line[line.index(after: space)...]), body))
        }
        guard !requests.isEmpty else { return nil }
        let sequence = requests
        // The clock and the faults belong to the whole emulator: an input that moves or sets
        // them gets one of its own. Any other runs in a project of its own on a shared one
        // (a fresh emulator costs more than the requests), emptied afterwards.
        let isolated = sequence.contains { $0.target.hasPrefix("/v1/emulator/clock") || $0.target.hasPrefix("/v1/emulator/faults") }
        return blocking {
            let emulator: InProcessEmulator
            let project: String
            do {
                if isolated {
                    emulator = try InProcessEmulator(configuration(seed: 2))
                    project = "fuzz"
                } else {
                    emulator = try Shared.emulator()
                    project = Shared.nextProject()
                    _ = await emulator.respond(method: "POST", target: "/v1/emulator/seed", headers: [("X-Appwrite-Project", project)],
                                               body: Array(#"{"databases":2}"#.utf8))
                }
            } catch { return "the emulator did not start: \(error)" }
            let headers = [("X-Appwrite-Project", project)]
            for (method, target, body) in sequence {
                guard let answer = await emulator.respond(method: method, target: target, headers: headers, body: body) else { continue }
                if let problem = problem(answer) { return "\(method) \(target) \(String(decoding: body, as: UTF8.self)) -> \(problem)" }
                if target.hasPrefix("/v1/emulator/faults") { break }
            }
            // The faults asked for are cleared first: they were meant for the requests that were cut.
            _ = await emulator.respond(method: "POST", target: "/v1/emulator/faults", headers: headers, body: Array(#"{"clear":true}"#.utf8))
            guard let list = await emulator.respond(method: "GET", target: "/v1/backups/policies", headers: headers), list.status == 200 else {
                return "a plain list failed after the requests"
            }
            if !isolated { _ = await emulator.respond(method: "POST", target: "/v1/emulator/reset", headers: headers) }
            return nil
        }
    }

    static func configuration(seed: Int) -> EmulatorConfiguration {
        var configuration = EmulatorConfiguration(key: "fuzz-key")
        configuration.projects = ["fuzz"]
        configuration.seed = seed
        configuration.speed = 1e-9
        return configuration
    }

    /// The emulator inputs share when they leave the clock and the faults alone; a new one
    /// every 2,000 inputs, so that what accumulates (statistics, SQLite's pages) stays small.
    enum Shared {
        private static let state = Mutex<(emulator: InProcessEmulator?, uses: Int, projects: Int)>((nil, 0, 0))

        static func emulator() throws -> InProcessEmulator {
            try state.withLock { s in
                if s.emulator == nil || s.uses >= 2000 {
                    var configuration = EmulatorTarget.configuration(seed: 0)
                    configuration.anyProject = true
                    s.emulator = try InProcessEmulator(configuration)
                    s.uses = 0
                }
                s.uses += 1
                return s.emulator!
            }
        }

        static func nextProject() -> String {
            state.withLock { s in
                s.projects += 1
                return "fuzz-\(s.projects)"
            }
        }
    }

    static func problem(_ answer: InProcessEmulator.Answer) -> String? {
        let text = String(decoding: answer.body.prefix(300), as: UTF8.self)
        guard (200..<500).contains(answer.status) else { return "status \(answer.status): \(text)" }
        guard answer.headers["content-type"] != nil else { return "no Content-Type (\(answer.status))" }
        if answer.status == 204 { return nil }
        guard let json = try? JSONCodec.decode(answer.body) else { return "\(answer.status) with a body that is not JSON: \(text)" }
        if answer.status >= 400 {
            guard json["message"]?.stringValue != nil, json["type"]?.stringValue != nil, json["code"]?.intValue == Int64(answer.status)
            else { return "\(answer.status) without Appwrite's error shape: \(text)" }
        }
        return nil
    }

    /// Runs async work from libFuzzer's synchronous callback.
    static func blocking(_ body: @escaping @Sendable () async -> String?) -> String? {
        let result = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let problem = await body()
            result.withLock { $0 = problem }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 }
    }
}
