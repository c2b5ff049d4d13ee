import BackupsClient
import LuaRuntime

/// `backups.connect{...}`'s Swift half: a connection of its own (endpoint, project, key), whose
/// module table the prelude then completes as it completes the default `backups`. Settings not
/// given are the host's: `backups.connect{project = "b"}` is the same endpoint and key, another
/// project (on the embedded emulator, any name is a project of its own).
enum ConnectBinding {
    static func function(_ parent: ServiceConnection, progress: @escaping PageCursor.Progress) -> LuaFunction {
        { call in
            let f = try Fields(call, 1, allowed: ["endpoint", "project", "key", "keyFile", "keyEnv", "selfSigned", "caFile", "concurrency"])
            var configuration = parent.configuration
            let endpoint = try f.string("endpoint")
            let project = try f.string("project")
            if let endpoint {
                // The key never follows a script to another endpoint: one there needs its own.
                if endpoint != configuration.endpoint {
                    configuration.apiKey = nil
                    configuration.keyFile = nil
                    configuration.origins["key"] = nil
                }
                configuration.endpoint = endpoint
                configuration.origins["endpoint"] = "backups.connect"
            }
            if let project {
                configuration.project = project
                configuration.origins["project"] = "backups.connect"
            }
            if let key = try f.string("key") {
                configuration.apiKey = APIKey(key)
                configuration.origins["key"] = "backups.connect"
            }
            if let path = try f.string("keyFile") {
                // The sandbox reads no files, whoever asks.
                guard !configuration.sandbox else { throw LuaArgumentError(index: 1, "keyFile is not available in the sandbox") }
                configuration.apiKey = try APIKey.read(fromFile: path)
                configuration.keyFile = path
                configuration.origins["key"] = "keyFile \(path)"
            }
            if let variable = try f.string("keyEnv") {
                guard !configuration.sandbox else { throw LuaArgumentError(index: 1, "keyEnv is not available in the sandbox") }
                guard let key = ConnectionSettings.variable(variable) else { throw BackupsError.argument("connect: \(variable) is not set") }
                configuration.apiKey = APIKey(key)
                configuration.origins["key"] = variable
            }
            if let selfSigned = try f.bool("selfSigned") { configuration.selfSigned = selfSigned }
            if let caFile = try f.string("caFile") { configuration.caFile = caFile }
            if let n = try f.integer("concurrency") {
                guard n >= 1, n <= 10_000 else { throw LuaArgumentError(index: 1, "concurrency must be from 1 to 10000") }
                configuration.endpointConcurrency = Int(n)
            }
            if endpoint != nil {
                configuration.emulatorStarter = nil
                guard configuration.apiKey != nil else {
                    throw BackupsError.argument("connect: another endpoint needs its own key (key, keyFile or keyEnv)")
                }
            }
            if let key = configuration.apiKey { Secrets.shared.register(key) }
            let connection = ServiceConnection(configuration: configuration, scheduler: parent.scheduler, notice: parent.notice)
            if configuration.endpoint == nil { connection.emulatorProject = project }
            BackupsModule.push(connection, on: call.stack, progress: progress)
            return .values(1)
        }
    }

    /// `backups._chunk(name)`: the source and chunk name of one of bkup's own Lua modules, for a
    /// connection to load its own copy of the library (bound to the connection, not the global).
    static func chunk(_ call: LuaCall) throws -> LuaReturn {
        let name = try call.string(1)
        guard let module = EmbeddedChunks.module(named: name) else { throw LuaArgumentError(index: 1, "no module '\(name)'") }
        call.stack.push(.string(module.source))
        call.stack.push(.string("@" + module.path))
        return .values(2)
    }
}
