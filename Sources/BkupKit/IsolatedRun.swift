import BackupsClient
import Foundation
import LuaRuntime

#if canImport(Glibc)
import Glibc
#endif

/// Runs a script in a child `bkup` process, for scripts the embedding tool did not write.
///
/// In-process, a limit stops Lua code, but not what Lua's hook never reaches: a C function that
/// does not return (a pattern match that backtracks for hours), a finalizer or a message
/// handler that loops. A child process can always be ended: it runs under the same limits (its
/// own guard ends it a grace period after a stop it cannot make), and this process kills it
/// outright if it is still there `killAfter` seconds later. Its printed lines come back as it
/// prints them; its results and any stop come back when it ends. The API key reaches the child
/// through its environment, never its command line.
public struct IsolatedRun: Sendable {
    /// The `bkup` executable.
    public var executable: String
    /// Where to connect, limits, sandbox, dry run: as for a `BkupHost`.
    public var configuration: HostConfiguration
    /// Seconds past the time limit (and the child's own grace) before the child is killed.
    public var killAfter = 5.0

    public struct Outcome: Sendable {
        /// The script's return values (JSON-like), when it ran to its end.
        public var results: [JSONValue]
        /// The lines it printed.
        public var output: [String]
        /// What it wrote to standard error (the error and its traceback, notices).
        public var errorOutput: String
        public var exitStatus: Int32
        /// Why it stopped early: a limit, an interrupt, os.exit.
        public var stop: StopReason?
        /// Its error message, when it failed.
        public var error: String?
        /// Killed from outside: it overstayed every limit and grace period.
        public var killed: Bool
    }

    public init(executable: String? = nil, configuration: HostConfiguration) {
        self.executable = executable ?? IsolatedRun.findExecutable()
        self.configuration = configuration
    }

    /// `bkup` beside this program, else on the PATH.
    public static func findExecutable() -> String {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("bkup").path
        if FileManager.default.isExecutableFile(atPath: here) { return here }
        for dir in (ConnectionSettings.variable("PATH") ?? "").split(separator: ":") {
            let candidate = "\(dir)/bkup"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "bkup"
    }

    /// Runs Lua source (as `bkup -`), with `args` as `...`; `output` gets each printed line.
    public func run(string source: String, args: [String] = [], output: (@Sendable (String) -> Void)? = nil) throws -> Outcome {
        try launch(arguments: ["-"] + args, stdin: Data(source.utf8), output: output)
    }

    /// Runs a Lua file, with `args` as `...`.
    public func run(file path: String, args: [String] = [], output: (@Sendable (String) -> Void)? = nil) throws -> Outcome {
        try launch(arguments: [path] + args, stdin: nil, output: output)
    }

    private func launch(arguments: [String], stdin: Data?, output: (@Sendable (String) -> Void)?) throws -> Outcome {
        // A key file is read here: the key goes through the child's environment. Its options are
        // written from the declarations the command line reads them with (`HostOptions`), so
        // that every setting reaches it, and the child checks them.
        let configuration = try configuration.withKeyRead()
        let resultPath = NSTemporaryDirectory() + "bkup-result-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: resultPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = HostOptions(configuration: configuration).arguments() + [HostOptions.resultFileOption.name, resultPath] + arguments
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("APPWRITE_") }
        environment["APPWRITE_API_KEY"] = configuration.apiKey?.value
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        let lines = LineCollector(out.fileHandleForReading, each: output)
        let errors = LineCollector(err.fileHandleForReading, each: nil)
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try? input.fileHandleForWriting.close()

        var killed = false
        if configuration.limits.timeout > 0 {
            let limit = configuration.limits.timeout + 2 + killAfter
            let deadline = Date().addingTimeInterval(limit)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killed = true
            }
        }
        process.waitUntilExit()
        let printed = lines.finish()
        var outcome = Outcome(results: [], output: printed, errorOutput: Secrets.shared.redact(errors.finish().joined(separator: "\n")),
                              exitStatus: process.terminationStatus, stop: nil, error: nil, killed: killed)
        if killed {
            outcome.stop = .timeout
            outcome.error = "killed: the script overstayed its time limit by more than \(Int(killAfter + 2)) s"
        } else if let data = FileManager.default.contents(atPath: resultPath), let result = try? JSONCodec.decode(Array(data)) {
            outcome.results = result["results"]?.arrayValue ?? []
            outcome.error = result["error"]?.stringValue
            let code = Int32(result["exit"]?.intValue ?? 0)
            outcome.stop = result["stop"]?.stringValue.flatMap { StopReason(name: $0, code: code) } ?? (result["exit"] != nil ? .exit(code) : nil)
        } else if process.terminationStatus != 0 {
            // Ended by its own guard (which names the limit on its last line) or by a signal.
            let last = outcome.errorOutput.split(separator: "\n").first { $0.hasPrefix("bkup: ") }.map(String.init)
            outcome.error = last ?? "bkup ended with status \(process.terminationStatus)"
            for (word, reason) in [("time limit", StopReason.timeout), ("instruction limit", .instructions), ("memory limit", .memory),
                                   ("task limit", .tasks), ("interrupted", .interrupted)] where last?.contains(word) == true {
                outcome.stop = reason
                break
            }
        }
        return outcome
    }
}

/// Reads a pipe line by line on a thread of its own.
private final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle, each: (@Sendable (String) -> Void)?) {
        Thread.detachNewThread { [self] in
            var buffer = Data()
            func emit(_ line: Data) {
                let text = String(decoding: line, as: UTF8.self)
                each?(text)
                lock.withLock { lines.append(text) }
            }
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let newline = buffer.firstIndex(of: 0x0A) {
                    emit(buffer[buffer.startIndex..<newline])
                    buffer.removeSubrange(buffer.startIndex...newline)
                }
            }
            if !buffer.isEmpty { emit(buffer) }
            done.signal()
        }
    }

    func finish() -> [String] {
        _ = done.wait(timeout: .now() + 10)
        return lock.withLock { lines }
    }
}
