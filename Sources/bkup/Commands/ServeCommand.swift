import BackupsEmulator
import BackupsModels
import BkupCommandLine
import BkupKit
import Foundation
import LuaRuntime

/// `bkup serve`: the Backups emulator in the foreground.
enum ServeCommand {
    /// What the options set, checked as a whole once all are read.
    struct Settings: CommandOptions {
        var config = EmulatorConfiguration()
        var keySource = "generated for this run"
        var inMemory = false
        var data: String?
        var projects: [String] = []
        var grants: [EmulatorConfiguration.Grant] = []

        mutating func validate() throws {
            if inMemory && data != nil { throw UsageError("--data and --in-memory exclude each other") }
            if !projects.isEmpty { config.projects = projects }
            if !grants.isEmpty {
                config.keys = grants
            } else if let envKey = ConnectionSettings.variable("BKUP_EMULATOR_KEY") {
                config.key = envKey
                keySource = "from BKUP_EMULATOR_KEY"
            }
            guard !config.project.isEmpty, !config.key.isEmpty else { throw UsageError("--project and --key cannot be empty") }
        }
    }

    static let command = Command<Arguments>(
        "serve", usage: ["[options]"], summary: "run the local Backups emulator (bkup serve --help)",
        about: "Runs the local Backups emulator in the foreground.",
        options: [OptionSection("Options of bkup serve", [
            Option("--host", value: "ADDR", help: "address to bind (default 127.0.0.1: loopback only)") {
                // A host name or an address literal: said now, not as a socket error after start.
                let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:_%")
                guard !$1.isEmpty, $1.utf8.count <= 253, $1.allSatisfy(allowed.contains) else {
                    throw UsageError("--host: '\($1)' is not an address or host name (e.g. 127.0.0.1, ::1, 0.0.0.0)")
                }
                $0.config.host = $1
            },
            Option("--port", value: "N", help: "port (default 8080; 0 picks a free one)") {
                $0.config.port = try OptionValue.integer($1, "--port", in: 0...65535, "0-65535")
            },
            Option("--data", value: "PATH", help: "SQLite file for the state (default $XDG_DATA_HOME/bkup/emulator.sqlite)") { $0.data = $1 },
            Option("--in-memory", help: "keep the state in memory only") { s, _ in s.inMemory = true },
            Option("--project", value: "ID", help: "a project requests may name; repeatable (default bkup-local)") { $0.projects.append($1) },
            Option("--key", value: "KEY[:SCOPES]", environment: "BKUP_EMULATOR_KEY",
                   help: "API key requests must carry, with its scopes (comma-separated; default all); repeatable (default: generated)") {
                $0.grants.append(try EmulatorConfiguration.Grant(parsing: $1))
                $0.keySource = "from --key"
            },
            Option("--speed", value: "X", help: "simulated seconds per real second (default 1)") {
                $0.config.speed = try OptionValue.real($1, "--speed", Domains.speed)
            },
            Option("--seed", value: "N", help: "create N databases when the state has no resources") {
                $0.config.seed = try OptionValue.integer($1, "--seed", in: 0...100_000, "0-100000")
            },
            Option("--durability", value: "D",
                   help: "with --data: full (default) answers a write once it is on disk; process once it is in SQLite's log (a crash of bkup loses nothing, one of the machine may lose the last writes)") {
                guard let d = EmulatorConfiguration.Durability(rawValue: $1) else {
                    throw UsageError("--durability: full or process expected, got '\($1)'")
                }
                $0.config.durability = d
            },
            Option("--latency", value: "MS", help: "answer Appwrite's paths after MS milliseconds, as a distant region does") {
                $0.config.latencyMilliseconds = try OptionValue.integer($1, "--latency", in: 0...60_000, "0-60000 ms")
            },
        ])]
    ) { _, settings in serve(settings) }

    static func serve(_ settings: Settings) -> Int32 {
        var config = settings.config
        let keySource = settings.keySource
        let inMemory = settings.inMemory, data = settings.data
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
                    if finalConfig.dataPath != nil { print("  durability: \(finalConfig.durability.rawValue)") }
                    if finalConfig.latencyMilliseconds > 0 { print("  latency: \(finalConfig.latencyMilliseconds) ms") }
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
