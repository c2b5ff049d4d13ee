import BkupJSON
import BkupTestSupport
import Foundation
import XCTest

/// First contact with a service, as a new user makes it: transport failures in one line of
/// words (no retry where retrying is useless, no path of the build machine), and `bkup doctor`
/// naming the line that fails. A TLS proxy with certificates made by the test stands in front
/// of a real emulator.
final class FirstContactTests: XCTestCase {
    var emulator: EmulatorHarness!
    var dir: String!
    var children: [Process] = []
    static let readOnlyKey = "read-only-key-0123456789"

    override func setUpWithError() throws {
        emulator = try EmulatorHarness.startBlocking(seed: 2, grants: ["\(Self.readOnlyKey):policies.read,archives.read,restorations.read"])
        dir = NSTemporaryDirectory() + "bkup-first-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        for child in children where child.isRunning { child.terminate() }
        let e = emulator!
        try e.blocking { await e.stop() }
        try? FileManager.default.removeItem(atPath: dir)
    }

    var upstreamPort: Int { Int(emulator.url.split(separator: ":").last!.split(separator: "/").first!)! }

    func bkup(_ args: [String], key: String? = nil, endpoint: String? = nil, project: String? = nil) throws -> Run {
        var env = ["APPWRITE_API_KEY": key ?? emulator.key, "APPWRITE_PROJECT_ID": project ?? emulator.project,
                   "APPWRITE_ENDPOINT": endpoint ?? emulator.url, "XDG_DATA_HOME": dir + "/data"]
        if key == "" { env["APPWRITE_API_KEY"] = nil }
        return try runTool(args, env: env, timeout: 60)
    }

    /// A self-signed certificate (its own authority) for `names` (openssl's subjectAltName).
    func certificate(_ name: String, names: String) throws -> (cert: String, key: String) {
        let cert = "\(dir!)/\(name).pem", key = "\(dir!)/\(name).key"
        let r = try runProgram("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                                    "-keyout", key, "-out", cert, "-days", "30", "-subj", "/CN=\(name)",
                                                    "-addext", "subjectAltName=\(names)"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return (cert, key)
    }

    /// A certificate for localhost that was valid in January 2020 only (openssl ca can backdate).
    func expiredCertificate() throws -> (cert: String, key: String) {
        let ca = dir + "/expired-ca"
        try FileManager.default.createDirectory(atPath: ca, withIntermediateDirectories: true)
        try "".write(toFile: ca + "/index.txt", atomically: true, encoding: .utf8)
        try "01\n".write(toFile: ca + "/serial", atomically: true, encoding: .utf8)
        try """
            [ ca ]
            default_ca = d
            [ d ]
            database = \(ca)/index.txt
            serial = \(ca)/serial
            new_certs_dir = \(ca)
            default_md = sha256
            policy = any
            copy_extensions = copy
            unique_subject = no
            [ any ]
            commonName = supplied
            [ req ]
            distinguished_name = dn
            [ dn ]
            """.write(toFile: ca + "/ca.cnf", atomically: true, encoding: .utf8)
        let key = ca + "/key.pem", cert = ca + "/cert.pem"
        let request = try runProgram("/usr/bin/openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                                          "-keyout", key, "-out", ca + "/req.csr", "-subj", "/CN=localhost",
                                                          "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-config", ca + "/ca.cnf"])
        XCTAssertEqual(request.status, 0, request.stderr)
        let signed = try runProgram("/usr/bin/openssl", ["ca", "-batch", "-config", ca + "/ca.cnf", "-selfsign", "-keyfile", key, "-in", ca + "/req.csr",
                                                         "-out", cert, "-startdate", "20200101000000Z", "-enddate", "20200201000000Z"])
        XCTAssertEqual(signed.status, 0, signed.stderr)
        return (cert, key)
    }

    /// Starts one of the test's Python peers (it prints its port first); its http endpoint.
    func helper(_ script: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", packageRoot + "/Tests/EndToEndTests/" + script]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        children.append(p)
        let port = PipeCollector(out).waitFor("\n", seconds: 30)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "0"
        return "http://127.0.0.1:\(port)/v1"
    }

    /// A port that never accepts a connection (full_listener.py); its http endpoint.
    func blackhole() throws -> String { try helper("full_listener.py") }

    /// Starts the TLS front; its https endpoint.
    func tlsProxy(_ pair: (cert: String, key: String)) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", packageRoot + "/Tests/EndToEndTests/tls_proxy.py", pair.cert, pair.key, String(upstreamPort)]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        children.append(p)
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let port = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return "https://127.0.0.1:\(port)/v1"
    }

    /// The error of one list call, as a script sees it, and what --verbose printed.
    func listError(_ extra: [String] = [], endpoint: String) throws -> (message: String, stderr: String) {
        let r = try bkup(extra + ["--verbose", "-e", "local ok, e = pcall(backups.policies.list) print(ok and 'ok' or tostring(e))"],
                         endpoint: endpoint)
        XCTAssertEqual(r.status, 0, r.stderr)
        return (r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), r.stderr)
    }

    func assertOneCleanLine(_ message: String, _ file: StaticString = #filePath, _ line: UInt = #line) {
        XCTAssertFalse(message.contains("\n"), message, file: file, line: line)
        for leak in ["/work/", ".swift", "NIOSSL", "BoringSSL", "SocketAddressError", emulator.key] {
            XCTAssertFalse(message.contains(leak), "\(leak) in \(message)", file: file, line: line)
        }
    }

    func testTransportFailuresAreOneLineInWordsAndUselessRetriesAreNotMade() throws {
        let trusted = try certificate("localhost", names: "DNS:localhost,IP:127.0.0.1")
        let https = try tlsProxy(trusted)

        let untrusted = try listError(endpoint: https)
        XCTAssertTrue(untrusted.message.hasPrefix("network_error: GET /backups/policies: the TLS certificate of 127.0.0.1:"), untrusted.message)
        XCTAssertTrue(untrusted.message.contains("not trusted") && untrusted.message.contains("--self-signed")
                      && untrusted.message.contains("--ca-file"), untrusted.message)
        assertOneCleanLine(untrusted.message)
        XCTAssertFalse(untrusted.stderr.contains("retrying"), "a certificate is not retried: \(untrusted.stderr)")
        XCTAssertTrue(untrusted.stderr.contains("untrustedCertificate"), "the library's error is for --verbose: \(untrusted.stderr)")

        XCTAssertEqual(try listError(["--self-signed"], endpoint: https).message, "ok")
        XCTAssertEqual(try listError(["--ca-file", trusted.cert], endpoint: https).message, "ok")

        let other = try certificate("example.test", names: "DNS:example.test")
        let mismatch = try listError(["--ca-file", other.cert], endpoint: try tlsProxy(other))
        XCTAssertTrue(mismatch.message.contains("is for example.test, not 127.0.0.1"), mismatch.message)
        assertOneCleanLine(mismatch.message)
        XCTAssertFalse(mismatch.stderr.contains("retrying"), mismatch.stderr)

        let expired = try expiredCertificate()
        let stale = try listError(["--ca-file", expired.cert], endpoint: try tlsProxy(expired))
        XCTAssertTrue(stale.message.contains("(localhost) expired on 2020-02-01: renew it on the server"), stale.message)
        assertOneCleanLine(stale.message)
        XCTAssertFalse(stale.stderr.contains("retrying"), stale.stderr)

        let unknown = try listError(endpoint: "http://no-such-host.invalid/v1")
        XCTAssertTrue(unknown.message.contains("unknown host no-such-host.invalid"), unknown.message)
        assertOneCleanLine(unknown.message)
        XCTAssertFalse(unknown.stderr.contains("retrying"), unknown.stderr)

        let plain = https.replacingOccurrences(of: "https://", with: "http://")
        let notTLS = try listError(endpoint: emulator.url.replacingOccurrences(of: "http://", with: "https://"))
        XCTAssertTrue(notTLS.message.contains("does not speak TLS"), notTLS.message)
        assertOneCleanLine(notTLS.message)
        _ = plain

        let noV1 = try listError(endpoint: String(emulator.url.dropLast(3)))
        XCTAssertTrue(noV1.message.contains("does not end in /v1") && noV1.message.contains("\(emulator.url)"), noV1.message)

        // A web server that is not Appwrite.
        let notAppwrite = try listError(endpoint: try helper("web_server.py")).message
        XCTAssertTrue(notAppwrite.contains("HTML page, not Appwrite's JSON"), notAppwrite)

        // A connection that is never accepted (a firewall dropping packets) times out in words,
        // and is retried; --timeout ends the run after the first attempt.
        let dropped = try bkup(["--verbose", "--timeout", "12", "-e", "print(pcall(backups.policies.list))"], endpoint: try blackhole())
        XCTAssertTrue(dropped.stderr.contains("did not accept a connection within 10 s: a firewall in the way") && dropped.stderr.contains("retrying"),
                      dropped.stderr)

        // Refused is worth retrying (a server restarting), and says so in words.
        let port = try freePort()
        let refused = try listError(endpoint: "http://127.0.0.1:\(port)/v1")
        XCTAssertTrue(refused.message.contains("127.0.0.1:\(port) refused the connection"), refused.message)
        XCTAssertTrue(refused.stderr.contains("retrying"), refused.stderr)
        assertOneCleanLine(refused.message)
    }

    func testDoctorPassesOnAGoodConfigurationAndNamesTheFailingLine() throws {
        let good = try bkup(["doctor"])
        XCTAssertEqual(good.status, 0, good.stdout + good.stderr)
        for name in ["configuration", "endpoint", "dns", "tcp", "appwrite", "project", "key", "scopes", "clock", "latency"] {
            XCTAssertTrue(good.stdout.contains("✔ \(name)"), "\(name) in \(good.stdout)")
        }
        XCTAssertTrue(good.stdout.contains("every check passed"), good.stdout)
        let json = try bkup(["doctor", "--format", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let report = try JSONCodec.decode(json.stdout)
        XCTAssertEqual(report["ok"], .bool(true))
        XCTAssertEqual(report["checks"]?.arrayValue?.count, 10)
        let lua = try bkup(["-e", "local r = backups.doctor() print(r.ok, #r.checks, r.checks[1].name, type(tostring(r)))"])
        XCTAssertEqual(lua.stdout, "true\t10\tconfiguration\tstring\n", lua.stderr)

        func failing(_ run: Run, _ line: String, _ hint: String, file: StaticString = #filePath, fileLine: UInt = #line) {
            XCTAssertEqual(run.status, 1, run.stdout + run.stderr, file: file, line: fileLine)
            XCTAssertTrue(run.stdout.contains("✘ \(line)"), "✘ \(line) in \(run.stdout)", file: file, line: fileLine)
            XCTAssertTrue(run.stdout.contains(hint), "\(hint) in \(run.stdout)", file: file, line: fileLine)
            for secret in [emulator.key, Self.readOnlyKey, "wrong-key-abcdef"] {
                XCTAssertFalse((run.stdout + run.stderr).contains(secret), "the key never leaves", file: file, line: fileLine)
            }
        }
        failing(try bkup(["doctor"], key: "wrong-key-abcdef"), "key", "API keys")
        failing(try bkup(["doctor"], project: "no-such-project"), "project", "no project 'no-such-project'")
        failing(try bkup(["doctor"], key: Self.readOnlyKey), "scopes", "lacks policies.write, archives.write, restorations.write")
        failing(try bkup(["doctor"], endpoint: String(emulator.url.dropLast(3))), "endpoint", "Appwrite's API is most likely at \(emulator.url)")
        let https = try tlsProxy(try certificate("localhost", names: "DNS:localhost,IP:127.0.0.1"))
        failing(try bkup(["doctor"], endpoint: https), "tls", "--self-signed")
        let tls = try bkup(["doctor", "--self-signed"], endpoint: https)
        XCTAssertEqual(tls.status, 0, tls.stdout)
        XCTAssertTrue(tls.stdout.contains("✔ tls") && tls.stdout.contains("not verified (--self-signed)") && tls.stdout.contains("expires in 29 days"),
                      tls.stdout)
        failing(try bkup(["doctor"], endpoint: "http://127.0.0.1:\(try freePort())/v1"), "tcp", "refused the connection")
        failing(try bkup(["doctor"], endpoint: try blackhole()), "tcp", "did not accept a connection within 5 s")

        let keyFile = dir + "/key.txt"
        try emulator.key.write(toFile: keyFile, atomically: true, encoding: .utf8)
        chmod(keyFile, 0o644)
        failing(try bkup(["doctor", "--key-file", keyFile], key: ""), "configuration", "chmod 600 \(keyFile)")
        chmod(keyFile, 0o600)
        let fixed = try bkup(["doctor", "--key-file", keyFile], key: "")
        XCTAssertEqual(fixed.status, 0, fixed.stdout)
        XCTAssertTrue(fixed.stdout.contains("key from --key-file \(keyFile)"), fixed.stdout)
    }

    func freePort() throws -> Int { freeLoopbackPort() }
}
