import BackupsClient
import BackupsModels
import LuaRuntime

/// `backups.connect{...}`'s Swift half: a connection of its own (endpoint, project, key), whose
/// module table the prelude then completes as it completes the default `backups`. Settings not
/// given are the host's: `backups.connect{project = "b"}` is the same endpoint and key, another
/// project (on the embedded emulator, any name is a project of its own).
enum ConnectBinding {
    static func function(_ parent: ServiceConnection, progress: @escaping PageCursor.Progress) -> LuaFunction {
        { call in
            let f = try Fields(call, 1, allowed: ["endpoint", "project", "key", "keyFile", "keyEnv", "selfSigned", "caFile", "concurrency"])
            // The sandbox reads no files and no environment, whoever asks.
            for name in ["keyFile", "keyEnv"] where f.values[name] != nil && parent.configuration.sandbox {
                throw LuaArgumentError(index: 1, "\(name) is not available in the sandbox")
            }
            let concurrency = try f.integer("concurrency", in: Domains.positiveCount(upTo: 10_000)).map { Int($0) }
            let choice = ConnectionChoice(
                endpoint: try f.string("endpoint"), project: try f.string("project"), key: try f.string("key").map(APIKey.init),
                keyFile: try f.string("keyFile"), keyEnv: try f.string("keyEnv"), selfSigned: try f.bool("selfSigned"),
                caFile: try f.string("caFile"), endpointConcurrency: concurrency, origin: "backups.connect")
            let configuration: HostConfiguration
            do throws(BackupsError) { configuration = try choice.applied(to: parent.configuration) } catch {
                throw BackupsError.argument("connect: \(error.message)")
            }
            if let key = configuration.apiKey { Secrets.shared.register(key) }
            let connection = ServiceConnection(configuration: configuration, scheduler: parent.scheduler, notice: parent.notice)
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
