import BkupTestSupport
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A long-running program under test (`bkup monitor`, Prometheus), killed at the end of the
/// test if still alive; started once the line `marker` appears in its output.
final class BackgroundProcess {
    let process: Process
    let stdout: PipeCollector
    let stderr: PipeCollector

    init(_ executable: String, _ arguments: [String], env: [String: String] = [:], waitFor marker: String, inStderr: Bool = false) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for k in ["APPWRITE_ENDPOINT", "APPWRITE_PROJECT_ID", "APPWRITE_API_KEY", "LUA_INIT", "LUA_INIT_5_4"] { environment[k] = nil }
        for (k, v) in env { environment[k] = v }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        stdout = PipeCollector(out)
        stderr = PipeCollector(err)
        guard (inStderr ? stderr : stdout).waitFor(marker, seconds: 60) != nil else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw NSError(domain: "background", code: 1, userInfo: [NSLocalizedDescriptionKey:
                "\(executable) did not start: \(stdout.text) \(stderr.wait(seconds: 1))"])
        }
    }

    /// SIGINT, then its exit status (SIGKILL after 30 s).
    func interrupt() -> Int32 {
        process.interrupt()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// A GET on loopback: status and body (0 and "" when nothing answered).
func httpGet(_ url: String) -> (status: Int, text: String) {
    let box = ReplyBox()
    let done = DispatchSemaphore(value: 0)
    Task {
        if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30)),
            let bytes = try? await response.body.collect(upTo: 64 << 20)
        {
            box.set(Int(response.status.code), String(buffer: bytes))
        }
        done.signal()
    }
    _ = done.wait(timeout: .now() + 60)
    return box.get()
}

/// Waits (up to `seconds`) until `check` returns a value.
func eventually<T>(_ seconds: Double, _ check: () -> T?) -> T? {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if let v = check() { return v }
        usleep(200_000)
    }
    return nil
}

/// A sample's value in a scrape: the line `name{labels} value` (labels as written).
func sample(_ text: String, _ series: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1))
    }
    return nil
}

/// A free TCP port on loopback (bound and released).
func freeLoopbackPort() -> Int {
    let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(s) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}
