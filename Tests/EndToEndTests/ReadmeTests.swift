import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The README's examples, taken from README.md itself: every line of the `sh` blocks in the
/// sections below is run as written (by /bin/sh, with the bkup under test first on the PATH), in
/// the README's order, in a temporary directory holding the files the lines name, on the
/// embedded emulator. So the README cannot drift from what works.
///
/// The rules, which the README states above its first tested block:
/// - a line must exit 0, or with the status its comment names ("# ... exit 1 on any finding");
/// - a line marked `(your Appwrite)` needs a real endpoint and is not run;
/// - a server (`bkup serve ...`) is started, asked one request, and stopped with Ctrl-C.
final class ReadmeTests: XCTestCase {
    static let sections = ["Using it", "Ready-to-run scripts", "Fleets", "Reviewed changes", "Limits", "Editors", "Monitoring"]
    static let notRunHere = "(your Appwrite)"

    struct Example {
        let section: String
        /// Its line in README.md, for the failure message.
        let number: Int
        let text: String

        var comment: String { text.range(of: " #").map { String(text[$0.upperBound...]) } ?? "" }
        var allowedStatuses: Set<Int32> {
            guard let r = comment.range(of: #"exits? [0-9]"#, options: .regularExpression), let n = Int32(String(comment[r].suffix(1))) else {
                return [0]
            }
            return [0, n]
        }
        var isServer: Bool { text.hasPrefix("bkup serve ") }
    }

    /// The lines of the `sh` blocks under the headings that start with one of `sections`.
    static func examples(in readme: String) -> [Example] {
        var out: [Example] = []
        var section: String?
        var inBlock = false, blockIsShell = false
        for (index, raw) in readme.components(separatedBy: "\n").enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("```") {
                if inBlock {
                    inBlock = false
                } else {
                    inBlock = true
                    blockIsShell = line == "```sh"
                }
                continue
            }
            if inBlock {
                if blockIsShell, let section, !line.isEmpty { out.append(Example(section: section, number: index + 1, text: line)) }
                continue
            }
            if raw.hasPrefix("## ") {
                let title = String(raw.dropFirst(3))
                section = sections.first { title.hasPrefix($0) }
            }
        }
        return out
    }

    var dir = ""
    var env: [String: String] = [:]

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "bkup-readme-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let bin = URL(fileURLWithPath: bkupUnderTest).deletingLastPathComponent().path
        env = ["PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"), "HOME": dir,
               "XDG_DATA_HOME": dir + "/data", "XDG_STATE_HOME": dir + "/state", "XDG_CONFIG_HOME": dir + "/config"]
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// The files the lines name, and the state they expect: databases (one of them `orders`, made
    /// by restoring an archive into it, as the emulator seeds only numbered ones) in the default
    /// project and in the fleet's projects.
    func makeFixtures() throws {
        let files = [
            "script.lua": "print('script.lua got', ...)\n",
            "rotate.lua": "-- every database gets a nightly policy\nprint(backups.rotate('databases', {schedule = '0 2 * * *', retention = 30}))\n",
            "job.lua": "local n = 0\nfor _ in backups.policies.each() do n = n + 1 end\nprint(n .. ' policies')\n",
            "untrusted.lua": "print(#backups.policies.list().policies .. ' policies; io is ' .. tostring(io))\n",
            "fleet.json": #"{"projects": [{"name": "eu-prod", "project": "eu-prod"}, {"name": "staging", "project": "staging"}, {"project": "customer-42"}]}"# + "\n",
        ]
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        // The scripts as they were installed beside the binary under test (the clone's, for the debug build).
        let prefix = URL(fileURLWithPath: bkupUnderTest).deletingLastPathComponent().deletingLastPathComponent().path
        let installed = prefix + "/share/bkup/scripts"
        let scripts = FileManager.default.fileExists(atPath: installed) ? installed : packageRoot + "/scripts"
        try FileManager.default.createSymbolicLink(atPath: dir + "/scripts", withDestinationPath: scripts)
        let setup = try runProgram(bkupUnderTest, ["-e", """
            backups.emulator.seed{databases = 3}
            local a = backups.archives.waitAll({backups.archives.create{services = {"databases"}, resourceId = "db-0001"}}, {interval = 0.2, progress = false})[1]
            local r = backups.restorations.create{archiveId = a.id, services = {"databases"}, newResourceId = "orders", newResourceName = "Orders"}
            backups.restorations.wait(r.id, {interval = 0.2})
            for _, project in ipairs{"eu-prod", "staging", "customer-42"} do backups.connect{project = project}.emulator.seed{databases = 2} end
            print(backups.resources.databases.list().total)
            """], env: env, cwd: dir, timeout: 120)
        XCTAssertEqual(setup.status, 0, setup.stderr)
        XCTAssertEqual(setup.stdout, "4\n", setup.stderr)
    }

    func testTheREADMEsExamplesRunAsWritten() throws {
        let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
        let examples = Self.examples(in: readme)
        for section in Self.sections {
            XCTAssertTrue(examples.contains { $0.section == section }, "no sh block under the heading '\(section)'")
        }
        try makeFixtures()
        // The lines' `bkup` is the binary under test.
        let which = try runProgram("/bin/sh", ["-c", "command -v bkup"], env: env, cwd: dir)
        XCTAssertEqual(which.stdout, bkupUnderTest + "\n")
        var ran = 0
        for example in examples {
            if example.comment.contains(Self.notRunHere) { continue }
            ran += 1
            if example.isServer {
                try runServer(example)
                continue
            }
            let r = try runProgram("/bin/sh", ["-c", example.text], env: env, cwd: dir, timeout: 300)
            let shown = "README.md:\(example.number) (\(example.section)): \(example.text)\nexit \(r.status)\n\(r.stdout)\(r.stderr)"
            XCTAssertTrue(example.allowedStatuses.contains(r.status), shown)
            XCTAssertFalse(r.stderr.contains("stack traceback"), shown)
        }
        XCTAssertGreaterThan(ran, 15, "examples run")
    }

    /// `bkup serve ...` as written: until it says where it listens; then one request to it (the
    /// databases of the state it serves, the fixtures' at least); then Ctrl-C, which must end it
    /// cleanly.
    func runServer(_ example: Example) throws {
        let where_ = "README.md:\(example.number): \(example.text)"
        if let port = example.text.range(of: #"--port [0-9]+"#, options: .regularExpression).map({ Int(example.text[$0].dropFirst(7))! }) {
            try waitUntilFree(port: port, what: where_)
        }
        let server: ServeProcess
        do {
            server = try ServeProcess(executable: "/bin/sh", arguments: ["-c", "exec " + example.text], env: env, cwd: dir)
        } catch {
            return XCTFail("\(where_): \(error)")
        }
        guard let text = server.stdout.waitFor("  speed:", seconds: 10),
            let key = text.split(separator: "\n").first(where: { $0.hasPrefix("  key:") })?.split(separator: " ").last
        else {
            return XCTFail("\(where_): no key shown\n\(server.stdout.text)\(server.stderr.wait(seconds: 1))")
        }
        let asked = try runProgram(bkupUnderTest, ["--endpoint", server.url, "--project", "bkup-local", "-e",
                                                   "print(backups.resources.databases.list().total)"],
                                   env: env.merging(["APPWRITE_API_KEY": String(key)]) { $1 }, cwd: dir)
        XCTAssertEqual(asked.status, 0, "\(where_): \(asked.stderr)")
        XCTAssertGreaterThan(Int(asked.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, 0, "\(where_): \(asked.stdout)")
        XCTAssertEqual(server.interrupt(), 0, "\(where_): Ctrl-C \(server.stderr.wait(seconds: 5))")
    }

    /// A fixed port that another program on this machine holds is waited for (up to a minute).
    func waitUntilFree(port: Int, what: String) throws {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(fd)
            if bound == 0 { return }
            usleep(500_000)
        }
        XCTFail("\(what): port \(port) stayed in use for a minute")
    }

    /// The parser itself: sections, blocks of other languages, comments and markers.
    func testTheExamplesAreReadFromTheNamedSectionsOnly() {
        let readme = """
            ## Using it

            ```sh
            bkup a.lua          # exit 1 on any finding
            bkup --endpoint https://x/v1 b.lua   # (your Appwrite)
            ```

            ```json
            {"not": "shell"}
            ```

            ## Elsewhere

            ```sh
            bkup c.lua
            ```

            ## Limits and the sandbox

            ```sh
            bkup serve --port 8080
            ```
            """
        let found = Self.examples(in: readme)
        XCTAssertEqual(found.map(\.text), ["bkup a.lua          # exit 1 on any finding", "bkup --endpoint https://x/v1 b.lua   # (your Appwrite)",
                                           "bkup serve --port 8080"])
        XCTAssertEqual(found.map(\.section), ["Using it", "Using it", "Limits"])
        XCTAssertEqual(found[0].allowedStatuses, [0, 1])
        XCTAssertEqual(found[1].allowedStatuses, [0])
        XCTAssertTrue(found[1].comment.contains(Self.notRunHere))
        XCTAssertTrue(found[2].isServer)
        XCTAssertEqual(found[2].number, 21)
    }
}
