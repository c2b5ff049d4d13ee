import BkupJSON
import BkupTestSupport
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// What a finished process printed, and how it ended.
struct Run {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Where this package's binaries were built.
func productsDirectory() -> URL {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent("bkup").path) { return dir }
        dir = dir.deletingLastPathComponent()
    }
    for candidate in Bundle.allBundles.map({ $0.bundleURL.deletingLastPathComponent() }) {
        if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("bkup").path) { return candidate }
    }
    return URL(fileURLWithPath: ".build/debug")
}

/// Reads a pipe to its end on a thread of its own, so that a process filling one pipe never
/// waits on a reader busy with the other.
final class PipeCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.lock()
                data.append(chunk)
                lock.unlock()
            }
            done.signal()
        }
    }

    /// Everything read so far.
    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }

    /// Waits for the end of the pipe (up to `seconds`).
    @discardableResult
    func wait(seconds: Double) -> String {
        _ = done.wait(timeout: .now() + seconds)
        return text
    }

    /// Waits until what was read holds `marker` (up to `seconds`); nil if it never did.
    func waitFor(_ marker: String, seconds: Double) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let t = text
            if t.contains(marker) { return t }
            usleep(10_000)
        }
        return nil
    }
}

/// The bkup the end-to-end tests run: the binary `install.sh` installed, when `./test.sh` says
/// where (BKUP_UNDER_TEST: built as it ships, stripped, in a temporary prefix), else this package's
/// debug build (a plain `swift test`).
let bkupUnderTest: String = ProcessInfo.processInfo.environment["BKUP_UNDER_TEST"].flatMap { $0.isEmpty ? nil : $0 }
    ?? productsDirectory().appendingPathComponent("bkup").path

/// Runs a binary of this package to its end: stdin given, stdout and stderr read at once, and a
/// deadline after which the process is killed (the test then fails on its output, not hangs).
func runTool(_ args: [String], tool: String = "bkup", stdin: String? = nil, env: [String: String] = [:], cwd: String? = nil,
             timeout: Double = 120) throws -> Run
{
    let path = tool == "bkup" ? bkupUnderTest : productsDirectory().appendingPathComponent(tool).path
    return try runProgram(path, args, stdin: stdin, env: env, cwd: cwd, timeout: timeout)
}

/// The same for any program.
func runProgram(_ path: String, _ args: [String], stdin: String? = nil, env: [String: String] = [:], cwd: String? = nil,
                timeout: Double = 120) throws -> Run
{
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    var environment = ProcessInfo.processInfo.environment
    for k in ["APPWRITE_ENDPOINT", "APPWRITE_PROJECT_ID", "APPWRITE_API_KEY", "APPWRITE_SELF_SIGNED", "NO_COLOR", "LUA_INIT",
              "LUA_INIT_5_4", "LUA_PATH", "LUA_PATH_5_4", "LUA_CPATH", "LUA_CPATH_5_4"] { environment[k] = nil }
    for (k, v) in env { environment[k] = v }
    p.environment = environment
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let out = Pipe(), err = Pipe(), input = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = input
    try p.run()
    let stdout = PipeCollector(out), stderr = PipeCollector(err)
    if let stdin { input.fileHandleForWriting.write(stdin.data(using: .utf8)!) }
    try input.fileHandleForWriting.close()
    let killer = DispatchWorkItem { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
    p.waitUntilExit()
    killer.cancel()
    return Run(status: p.terminationStatus, stdout: stdout.wait(seconds: 10), stderr: stderr.wait(seconds: 10))
}

/// A `bkup serve` running in the background, killed at the end of the test if still alive.
final class ServeProcess {
    let process: Process
    let url: String
    let stdout: PipeCollector
    let stderr: PipeCollector

    /// Starts `bkup serve --port 0 ARGS` and waits (up to 60 s) for the line naming its URL.
    convenience init(_ args: [String], env: [String: String] = [:]) throws {
        try self.init(executable: bkupUnderTest, arguments: ["serve", "--port", "0"] + args, env: env)
    }

    /// Starts a program that serves as `bkup serve` does (a shell that execs one, say) in `cwd`,
    /// and waits (up to 60 s) for the line naming its URL.
    init(executable: String, arguments: [String], env: [String: String] = [:], cwd: String? = nil) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        process.environment = environment
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        stdout = PipeCollector(out)
        stderr = PipeCollector(err)
        guard let text = stdout.waitFor("/v1\n", seconds: 60), let start = text.range(of: "http://") else {
            kill(process.processIdentifier, SIGKILL)
            throw NSError(domain: "serve", code: 1, userInfo: [NSLocalizedDescriptionKey: "bkup serve did not start: \(stdout.text) \(stderr.wait(seconds: 1))"])
        }
        url = String(text[start.lowerBound...].prefix { $0 != "\n" })
    }

    func interrupt() -> Int32 {
        process.interrupt()
        return waitForExit()
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    @discardableResult
    func waitForExit(seconds: Double = 30) -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill9() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill9() } }

    /// A request to this server (its control API, say); the reply's status and body.
    @discardableResult
    func request(_ method: HTTPMethod, _ path: String, key: String, project: String = "bkup-local", body: JSONValue? = nil) throws
        -> (status: Int, text: String)
    {
        let box = ReplyBox()
        let done = DispatchSemaphore(value: 0)
        let url = self.url + path
        Task {
            var r = HTTPClientRequest(url: url)
            r.method = method
            r.headers.add(name: "X-Appwrite-Project", value: project)
            r.headers.add(name: "X-Appwrite-Key", value: key)
            if let body {
                r.headers.add(name: "content-type", value: "application/json")
                r.body = .bytes(.init(bytes: (try? JSONCodec.encodeBytes(body)) ?? []))
            }
            if let response = try? await HTTPClient.shared.execute(r, timeout: .seconds(30)),
                let bytes = try? await response.body.collect(upTo: 16 << 20)
            {
                box.set(Int(response.status.code), String(buffer: bytes))
            }
            done.signal()
        }
        _ = done.wait(timeout: .now() + 60)
        return box.get()
    }
}

final class ReplyBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: (Int, String) = (0, "")
    func set(_ status: Int, _ text: String) { lock.withLock { value = (status, text) } }
    func get() -> (status: Int, text: String) { lock.withLock { value } }
}

/// The package's root folder (this file is Tests/EndToEndTests/Processes.swift).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
