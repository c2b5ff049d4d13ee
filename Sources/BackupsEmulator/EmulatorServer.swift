import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The emulator as a running HTTP server.
public final class EmulatorServer: Sendable {
    public let url: String
    public let port: Int
    public let configuration: EmulatorConfiguration
    private let task: Task<Void, any Error>
    private let group: ServiceGroup?

    private init(url: String, port: Int, configuration: EmulatorConfiguration, task: Task<Void, any Error>, group: ServiceGroup? = nil) {
        self.url = url
        self.port = port
        self.configuration = configuration
        self.task = task
        self.group = group
    }

    static func application(_ configuration: EmulatorConfiguration, onRunning: @escaping @Sendable (Int) async -> Void) throws
        -> some ApplicationProtocol
    {
        let service = try EmulatorService(configuration: configuration)
        var logger = Logger(label: "bkup-emulator")
        logger.logLevel = .critical
        return Application(
            router: Routes.router(service),
            server: .http1(configuration: .init(idleTimeout: .seconds(configuration.idleTimeoutSeconds))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "bkup-emulator"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Starts the server in this process; `port` 0 picks a free port.
    public static func start(_ configuration: EmulatorConfiguration) async throws -> EmulatorServer {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try application(configuration) { port in continuation.yield(port) }
        // Stopped by a graceful shutdown: requests in flight are answered (or their connection
        // closed) before the server goes, instead of being abandoned mid-answer.
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "bkup-emulator")))
        let task = Task { try await group.run() }
        var port: Int?
        for await p in stream {
            port = p
            break
        }
        guard let port, port > 0 else {
            task.cancel()
            throw ServiceError(500, "general_server_error", "the emulator could not bind \(configuration.host):\(configuration.port)")
        }
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return EmulatorServer(url: "http://\(host):\(port)/v1", port: port, configuration: configuration, task: task, group: group)
    }

    /// Starts the server from synchronous code (a Lua host's thread) and waits until it listens.
    public static func startBlocking(_ configuration: EmulatorConfiguration) throws -> EmulatorServer {
        let result = Mutex<Result<EmulatorServer, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                let server = try await start(configuration)
                result.withLock { $0 = .success(server) }
            } catch {
                result.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0! }.get()
    }

    /// Runs in the foreground until SIGINT or SIGTERM, then shuts down cleanly.
    public static func serve(_ configuration: EmulatorConfiguration, onRunning: @escaping @Sendable (Int) async -> Void) async throws {
        let app = try application(configuration, onRunning: onRunning)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    public func stop() async {
        if let group { await group.triggerGracefulShutdown() } else { task.cancel() }
        _ = try? await task.value
    }
}

extension EmulatorConfiguration.Grant {
    /// `KEY` (every scope) or `KEY:SCOPE,SCOPE...`, as `bkup serve --key` takes it. Unknown
    /// scopes are refused; Appwrite's aliases (`backups.policies.read`) are accepted.
    public init(parsing spec: String) throws {
        guard let colon = spec.lastIndex(of: ":"), !spec[spec.index(after: colon)...].isEmpty,
            spec[spec.index(after: colon)...].allSatisfy({ $0.isLetter || $0 == "." || $0 == "," })
        else {
            self.init(secret: spec)
            return
        }
        var scopes = Set<String>()
        for raw in spec[spec.index(after: colon)...].split(separator: ",") {
            let name = Routes.scopeAliases[String(raw)] ?? String(raw)
            guard Routes.scopes.contains(name) else {
                throw ServiceError.argument("key", "unknown scope '\(raw)' (scopes: \(Routes.scopes.sorted().joined(separator: ", ")))")
            }
            scopes.insert(name)
        }
        self.init(secret: String(spec[..<colon]), scopes: scopes)
    }
}
