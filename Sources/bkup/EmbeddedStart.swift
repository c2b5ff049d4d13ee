import BackupsEmulator
import BkupKit
import Synchronization

/// The emulator the command starts on first use when no endpoint is configured.
enum EmbeddedStart {
    static let running = Mutex<EmulatorServer?>(nil)

    static func starter() -> @Sendable () throws -> ServiceEndpoint {
        {
            var config = EmulatorConfiguration()
            config.port = 0
            let path = EmbeddedEmulator.defaultDataPath()
            try EmbeddedEmulator.ensureDirectory(of: path)
            config.dataPath = path
            let server = try EmulatorServer.startBlocking(config)
            running.withLock { $0 = server }
            return ServiceEndpoint(
                endpoint: server.url, project: config.project, apiKey: config.key,
                notice: "bkup: no endpoint configured; using the embedded emulator at \(server.url) (state: \(path))",
                isEmulator: true)
        }
    }
}
