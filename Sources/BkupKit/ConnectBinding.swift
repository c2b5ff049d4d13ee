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
            let concurrency = try f.integer("concurrency", in: Domains.positiveCount(upTo: 10_000)).map { Int($0) }
            // A script's settings pass the trust rule as a script's: under --sandbox it names no
            // file and no variable; either way the operator's key stays with the operator's endpoint.
            let choice = ConnectionChoice(
                endpoint: try f.string("endpoint"), project: try f.string("project"), key: try f.string("key").map(APIKey.init),
                keyFile: try f.string("keyFile"), keyEnv: try f.string("keyEnv"), selfSigned: try f.bool("selfSigned"),
                caFile: try f.string("caFile"), endpointConcurrency: concurrency, origin: "backups.connect",
                author: parent.configuration.sandbox ? .sandboxedScript : .script)
            let configuration: HostConfiguration
            do throws(BackupsError) { configuration = try choice.applied(to: parent.configuration) } catch {
                throw BackupsError.argument("connect: \(error.message)")
            }
            push(configuration, parent: parent, on: call.stack, progress: progress)
            return .values(1)
        }
    }

    /// Pushes the module table of a connection with `configuration`, beside `parent`.
    static func push(_ configuration: HostConfiguration, parent: ServiceConnection, on stack: LuaStack,
                     progress: @escaping PageCursor.Progress) {
        if let key = configuration.apiKey { Secrets.shared.register(key) }
        let connection = ServiceConnection(configuration: configuration, scheduler: parent.scheduler, notice: parent.notice)
        BackupsModule.push(connection, on: stack, progress: progress)
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
