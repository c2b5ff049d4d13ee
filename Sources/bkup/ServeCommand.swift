import BackupsEmulator
import BkupKit
import Foundation
import LuaRuntime

/// `bkup serve`: the Backups emulator in the foreground.
enum ServeCommand {
    static let usage = """
        usage: bkup serve [--host 127.0.0.1] [--port 8080] [--data PATH | --in-memory] [--project ID]
                          [--key KEY] [--speed X] [--seed N]
          --host ADDR     address to bind (default 127.0.0.1: loopback only)
          --port N        port (default 8080; 0 picks a free one)
          --data PATH     SQLite file for the state (default $XDG_DATA_HOME/bkup/emulator.sqlite)
          --in-memory     keep the state in memory only
          --project ID    project every request must name (default bkup-local)
          --key KEY       API key every request must carry (env BKUP_EMULATOR_KEY; default: generated)
          --speed X       simulated seconds per real second (default 1)
          --seed N        create N databases when the state has no resources
        """

    static func run(_ args: [String]) -> Int32 {
        var config = EmulatorConfiguration()
        var keySource = "generated for this run"
        var inMemory = false
        var data: String?
        var projects: [String] = []
        var grants: [EmulatorConfiguration.Grant] = []
        var i = 0
        func value(_ name: String) throws -> String {
            i += 1
            guard i < args.count else { throw Arguments.UsageError(description: "\(name) needs a value") }
            return args[i]
        }
        do {
            if let envKey = ConnectionSettings.variable("BKUP_EMULATOR_KEY") {
                config.key = envKey
                keySource = "from BKUP_EMULATOR_KEY"
            }
            while i < args.count {
                var a = args[i]
                if let eq = a.firstIndex(of: "="), a.hasPrefix("--") {
                    // --port=8080 form
                    var copy = args
                    copy.insert(String(a[a.index(after: eq)...]), at: i + 1)
                    a = String(a[..<eq])
                    return run(Array(copy[..<i]) + [a] + Array(copy[(i + 1)...]))
                }
                switch a {
                case "--host": config.host = try value(a)
                case "--port":
                    let v = try value(a)
                    guard let p = Int(v), (0...65535).contains(p) else { throw Arguments.UsageError(description: "--port: 0-65535 expected, got '\(v)'") }
                    config.port = p
                case "--data": data = try value(a)
                case "--in-memory": inMemory = true
                case "--project": projects.append(try value(a))
                case "--key":
                    grants.append(try EmulatorConfiguration.Grant(parsing: try value(a)))
                    keySource = "from --key"
                case "--speed":
                    let v = try value(a)
                    guard let s = Double(v), s > 0, s.isFinite else { throw Arguments.UsageError(description: "--speed: a positive number expected, got '\(v)'") }
                    config.speed = s
                case "--seed":
                    let v = try value(a)
                    guard let n = Int(v), n >= 0, n <= 100_000 else { throw Arguments.UsageError(description: "--seed: 0-100000 expected, got '\(v)'") }
                    config.seed = n
                case "--help", "-h":
                    print(usage)
                    return 0
                default:
                    throw Arguments.UsageError(description: "unrecognized option '\(a)'")
                }
                i += 1
            }
            if inMemory && data != nil { throw Arguments.UsageError(description: "--data and --in-memory exclude each other") }
            if !projects.isEmpty { config.projects = projects }
            if !grants.isEmpty { config.keys = grants }
            guard !config.project.isEmpty, !config.key.isEmpty else { throw Arguments.UsageError(description: "--project and --key cannot be empty") }
        } catch {
            StandardStreams.writeError("bkup serve: \(error)\n\(usage)\n")
            return 2
        }
        if !inMemory {
            let path = data ?? EmbeddedEmulator.defaultDataPath()
            do { try EmbeddedEmulator.ensureDirectory(of: path) } catch {
                StandardStreams.writeError("bkup serve: \(error)\n")
                return 1
            }
            config.dataPath = path
        }
        let finalConfig = config
        let shownKey = keySource == "generated for this run" ? finalConfig.key : "(\(keySource))"
        let done = DispatchSemaphore(value: 0)
        let status = LockedStatus()
        Task {
            do {
                try await EmulatorServer.serve(finalConfig) { port in
                    let host = finalConfig.host.contains(":") ? "[\(finalConfig.host)]" : finalConfig.host
                    print("bkup emulator listening on http://\(host):\(port)/v1")
                    print("  project: \(finalConfig.projects.joined(separator: ", "))")
                    print("  key:     \(shownKey)")
                    print("  state:   \(finalConfig.dataPath ?? "in memory")")
                    print("  speed:   \(finalConfig.speed)x")
                    StandardStreams.flush()
                }
            } catch {
                StandardStreams.writeError("bkup serve: \(error)\n")
                status.set(1)
            }
            done.signal()
        }
        done.wait()
        return status.get()
    }
}

final class LockedStatus: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int32 = 0
    func set(_ v: Int32) { lock.lock(); value = v; lock.unlock() }
    func get() -> Int32 { lock.lock(); defer { lock.unlock() }; return value }
}
