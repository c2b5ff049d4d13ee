import HTTPTypes
import Hummingbird
import NIOCore

/// Misbehaviour on command (see `Faults`), for Appwrite's paths only: the emulator's own
/// controls always answer. Also counts the requests on Appwrite's paths, and makes them take
/// the configured latency.
struct FaultMiddleware: RouterMiddleware {
    typealias Context = EmulatorContext
    let service: EmulatorService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !request.uri.path.hasPrefix("/v1/emulator/") else { return try await next(request, context) }
        service.requestCount.withLock { $0 += 1 }
        service.inFlight.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
        defer { service.inFlight.withLock { $0.now -= 1 } }
        // A region's round trip (`bkup serve --latency`): the answer waits, no thread does.
        try await service.latency?.wait()
        guard let fault = service.faults.next(path: request.uri.path) else { return try await next(request, context) }
        switch fault {
        case .status(let status, let retryAfter, let html):
            var headers = HTTPFields()
            if let retryAfter { headers[.retryAfter] = retryAfter }
            if html {
                headers[.contentType] = "text/html"
                let page = "<html><head><title>\(status) Bad Gateway</title></head><body><center><h1>\(status) Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
                return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
            }
            let type = status == 429 ? "general_rate_limit_exceeded" : "general_server_error"
            let message = status == 429 ? "Rate limit for the current endpoint has been exceeded. Please try again after some time." : "Service unavailable (injected fault)"
            return Answer.error(ServiceError(status, type, message), headers: headers)
        case .drop:
            return Self.dropConnection()
        case .delay(let ms):
            try await Task.sleep(nanoseconds: UInt64(ms) * 1_000_000)
            return try await next(request, context)
        case .dropAfterProcessing:
            _ = try? await next(request, context)
            return Self.dropConnection()
        case .rateLimitHeaders(let remaining, let reset):
            var response = try await next(request, context)
            response.headers[HTTPField.Name("X-RateLimit-Limit")!] = "60"
            response.headers[HTTPField.Name("X-RateLimit-Remaining")!] = String(remaining)
            response.headers[HTTPField.Name("X-RateLimit-Reset")!] = String(reset)
            return response
        case .body(let status, let text):
            // A 2xx (or any status) whose body is whatever was asked for: for tests of clients
            // that must not take garbage as success.
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }

    /// A response whose body fails at once: the connection is closed without a complete answer.
    static func dropConnection() -> Response {
        Response(status: .ok, headers: [.contentLength: "100"], body: ResponseBody { _ in
            throw CancellationError()
        })
    }
}
