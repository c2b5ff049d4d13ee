import BkupJSON
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded

/// The emulator answering requests in this process, without a socket: the same router,
/// middleware (authentication, faults, errors, clock) and store as `bkup serve`. For the
/// coverage-guided fuzzer of each route's request decoding, where a connection per request
/// would cost more than the work it drives.
public final class InProcessEmulator: Sendable {
    public struct Answer: Sendable {
        public let status: Int
        /// Lowercased names.
        public let headers: [String: String]
        public let body: [UInt8]
    }

    public let configuration: EmulatorConfiguration
    private let responder: RouterResponder<EmulatorContext>
    private let logger: Logger
    /// What a request context reads its allocator and logger from, and all it reads: one for
    /// every request, from any thread (an embedded channel made per request and never closed
    /// kept its pipeline alive, 35 KB an input of the fuzzer).
    private let channel = EmbeddedChannel()

    public init(_ configuration: EmulatorConfiguration) throws {
        self.configuration = configuration
        responder = Routes.router(try EmulatorService(configuration: configuration)).buildResponder()
        var logger = Logger(label: "bkup-emulator-in-process")
        logger.logLevel = .critical
        self.logger = logger
    }

    deinit { _ = try? channel.finish() }

    /// Answers one request. `target` is the path and query (`/v1/backups/policies?queries[]=...`);
    /// nil for a method that is not an HTTP token. The project and key headers are the
    /// configuration's first unless `headers` names them.
    public func respond(method: String, target: String, headers: [(String, String)] = [], body: [UInt8] = []) async -> Answer? {
        guard let method = HTTPRequest.Method(method) else { return nil }
        var fields = HTTPFields()
        fields[AuthenticationMiddleware.projectHeader] = configuration.project
        fields[AuthenticationMiddleware.keyHeader] = configuration.key
        for (name, value) in headers {
            guard let name = HTTPField.Name(name) else { continue }
            fields[name] = value
        }
        let head = HTTPRequest(method: method, scheme: "http", authority: "127.0.0.1", path: target, headerFields: fields)
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer(bytes: body)))
        let context = EmulatorContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
        do {
            let response = try await responder.respond(to: request, context: context)
            let bytes = Bytes()
            try await response.body.write(Collected(into: bytes))
            var names: [String: String] = [:]
            for field in response.headers { names[field.name.canonicalName] = field.value }
            return Answer(status: Int(response.status.code), headers: names, body: bytes.value)
        } catch {
            // What the server does with an error that escapes the middleware: the connection
            // closes without an answer (a dropped connection, as `faults` can ask for).
            return Answer(status: 0, headers: [:], body: Array("\(error)".utf8))
        }
    }

    /// A response body's bytes (a writer is consumed when it finishes: they outlive it here).
    private final class Bytes: @unchecked Sendable {
        var value: [UInt8] = []
    }

    private struct Collected: ResponseBodyWriter {
        let into: Bytes
        mutating func write(_ buffer: ByteBuffer) async throws { into.value += buffer.readableBytesView }
        mutating func write(contentsOf buffers: some Sequence<ByteBuffer>) async throws {
            for buffer in buffers { into.value += buffer.readableBytesView }
        }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
