import BackupsEmulator
import BkupKit
import Foundation
import Synchronization

/// The emulator the command starts in-process on first use when no endpoint is configured,
/// and where it (and `bkup serve`) keeps its state by default.
enum EmbeddedEmulator {
    static let running = Mutex<EmulatorServer?>(nil)

    /// `$XDG_DATA_HOME/bkup/emulator.sqlite` (default `~/.local/share/bkup/emulator.sqlite`).
    static func defaultDataPath() -> String {
        let base = ConnectionSettings.variable("XDG_DATA_HOME") ?? ((ConnectionSettings.variable("HOME") ?? "/tmp") + "/.local/share")
        return base + "/bkup/emulator.sqlite"
    }

    static func ensureDirectory(of path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    }

    /// How plans name the embedded emulator: by its state, since its port changes every run.
    static func planName(_ path: String) -> String { "bkup-emulator://" + path }

    /// Starts the emulator on a free loopback port, on the default state file; once per process:
    /// every host of a fleet, and every connection, shares it (the first says where it is).
    static func starter() -> @Sendable () throws -> ServiceEndpoint {
        {
            try running.withLock { server in
                if let server {
                    return ServiceEndpoint(endpoint: server.url, project: server.configuration.project,
                                           apiKey: APIKey(server.configuration.key), isEmulator: true,
                                           planName: planName(server.configuration.dataPath ?? ""))
                }
                var config = EmulatorConfiguration()
                // Any project name is a project of its own, as rehearsing a fleet needs.
                config.anyProject = true
                config.port = 0
                let path = defaultDataPath()
                try ensureDirectory(of: path)
                config.dataPath = path
                let started = try EmulatorServer.startBlocking(config)
                server = started
                return ServiceEndpoint(
                    endpoint: started.url, project: config.project, apiKey: APIKey(config.key),
                    notice: "bkup: no endpoint configured; using the embedded emulator at \(started.url) (state: \(path))",
                    isEmulator: true, planName: planName(path))
            }
        }
    }
}
