import BackupsModels
import BkupJSON
import Foundation
import Hummingbird
import HTTPTypes
import Logging
import NIOCore

/// Routes, authentication, error bodies and faults. One responder for every path, so that
/// unknown routes and every error answer in Appwrite's shape.
struct EmulatorResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let engine: Engine

    static let projectHeader = HTTPField.Name("X-Appwrite-Project")!
    static let keyHeader = HTTPField.Name("X-Appwrite-Key")!

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        let isControl = path.hasPrefix("/v1/emulator/")
        var after: Faults.Scripted.Action?
        var extraHeaders = HTTPFields()
        if !isControl { engine.requestCount.withLock { $0 += 1 } }
        if !isControl, let fault = engine.faults.withLock({ $0.next() }) {
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
                return error(ServiceError(status, type, message), headers: headers)
            case .drop:
                return Self.dropConnection()
            case .delay(let ms):
                try await Task.sleep(nanoseconds: UInt64(ms) * 1_000_000)
            case .dropAfterProcessing:
                after = fault
            case .rateLimitHeaders(let remaining, let reset):
                extraHeaders[HTTPField.Name("X-RateLimit-Limit")!] = "60"
                extraHeaders[HTTPField.Name("X-RateLimit-Remaining")!] = String(remaining)
                extraHeaders[HTTPField.Name("X-RateLimit-Reset")!] = String(reset)
            }
        }
        var response: Response
        do {
            try authenticate(request)
            response = try await route(request, path: path)
        } catch let e as ServiceError {
            response = error(e)
        } catch {
            response = self.error(ServiceError(500, "general_server_error", "Server error: \(error)"))
        }
        if case .dropAfterProcessing? = after { return Self.dropConnection() }
        for field in extraHeaders { response.headers.append(field) }
        return response
    }

    /// A response whose body fails at once: the connection is closed without a complete answer.
    static func dropConnection() -> Response {
        Response(status: .ok, headers: [.contentLength: "100"], body: ResponseBody { _ in
            throw CancellationError()
        })
    }

    func authenticate(_ request: Request) throws {
        let project = request.headers[Self.projectHeader] ?? ""
        let key = request.headers[Self.keyHeader] ?? ""
        let projectOK = constantTimeEqual(project, engine.configuration.project)
        let keyOK = constantTimeEqual(key, engine.configuration.key)
        guard projectOK && keyOK else {
            let why = project.isEmpty ? "no project was given (X-Appwrite-Project)"
                : !projectOK ? "the project is not this server's" : key.isEmpty ? "no API key was given (X-Appwrite-Key)" : "the API key is not valid"
            throw ServiceError(401, "general_unauthorized_scope", "Unauthorized: \(why).")
        }
    }

    func json(_ status: Int, _ value: JSONValue, headers: HTTPFields = HTTPFields()) -> Response {
        // Sorted keys: the same state always reads back as the same bytes.
        let bytes = (try? JSONCodec.encodeBytes(value, options: .init(sortKeys: true))) ?? []
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func error(_ e: ServiceError, headers: HTTPFields = HTTPFields()) -> Response {
        json(e.code, .object(["message": .string(e.message), "code": .integer(Int64(e.code)), "type": .string(e.type),
                              "version": .string(ErrorBody.serverVersion)]), headers: headers)
    }

    func body(_ request: Request) async throws -> Engine.Params {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: engine.configuration.maxBodyBytes)
        } catch {
            throw ServiceError(413, "general_argument_invalid",
                               "Request body is larger than \(engine.configuration.maxBodyBytes) bytes.")
        }
        if buffer.readableBytes == 0 { return Engine.Params(body: [:]) }
        let value: JSONValue
        do {
            value = try JSONCodec.decode(Array(buffer.readableBytesView))
        } catch {
            throw ServiceError(400, "general_argument_invalid", "Invalid JSON body: \(error)")
        }
        guard case .object(let o) = value else {
            throw ServiceError(400, "general_argument_invalid", "Invalid JSON body: an object is expected")
        }
        return Engine.Params(body: o)
    }

    /// `queries[]=` and `queries[0]=` both.
    func queries(_ request: Request) -> [String] {
        guard let raw = request.uri.query, !raw.isEmpty else { return [] }
        var indexed: [(Int, String)] = []
        var plain: [String] = []
        for pair in raw.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            let key = percentDecode(String(kv[0]))
            let value = kv.count > 1 ? percentDecode(String(kv[1])) : ""
            if key == "queries[]" || key == "queries" {
                plain.append(value)
            } else if key.hasPrefix("queries["), key.hasSuffix("]"), let i = Int(key.dropFirst(8).dropLast()) {
                indexed.append((i, value))
            }
        }
        return plain + indexed.sorted { $0.0 < $1.0 }.map(\.1)
    }

    func route(_ request: Request, path: String) async throws -> Response {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let method = request.method
        guard parts.first == "v1" else { throw routeNotFound(path) }
        let p = Array(parts.dropFirst())
        switch (method, p.count, p.first, p.dropFirst().first) {
        case (.get, 2, "backups", "policies"):
            return json(200, try await engine.list(.policies, queries: queries(request), key: "policies", record: Records.policy))
        case (.post, 2, "backups", "policies"):
            return json(201, try await engine.createPolicy(try await body(request)))
        case (.get, 3, "backups", "policies"):
            return json(200, try await engine.get(.policies, id: p[2], record: Records.policy))
        case (.patch, 3, "backups", "policies"):
            return json(200, try await engine.updatePolicy(p[2], try await body(request)))
        case (.delete, 3, "backups", "policies"):
            try await engine.delete(.policies, id: p[2])
            return Response(status: .noContent)
        case (.get, 2, "backups", "archives"):
            return json(200, try await engine.list(.archives, queries: queries(request), key: "archives", record: Records.archive))
        case (.post, 2, "backups", "archives"):
            return json(201, try await engine.createArchive(try await body(request)))
        case (.get, 3, "backups", "archives"):
            return json(200, try await engine.get(.archives, id: p[2], record: Records.archive))
        case (.delete, 3, "backups", "archives"):
            try await engine.delete(.archives, id: p[2])
            return Response(status: .noContent)
        case (.post, 2, "backups", "restoration"):
            return json(201, try await engine.createRestoration(try await body(request)))
        case (.get, 2, "backups", "restorations"):
            return json(200, try await engine.list(.restorations, queries: queries(request), key: "restorations", record: Records.restoration))
        case (.get, 3, "backups", "restorations"):
            return json(200, try await engine.get(.restorations, id: p[2], record: Records.restoration))
        case (.get, 1, "databases", _):
            return json(200, try await engine.list(.resources("databases", noun: "Database"), queries: queries(request), key: "databases", record: Records.resource))
        case (.get, 2, "storage", "buckets"):
            return json(200, try await engine.list(.resources("buckets", noun: "Bucket"), queries: queries(request), key: "buckets", record: Records.resource))
        case (.get, 1, "functions", _):
            return json(200, try await engine.list(.resources("functions", noun: "Function"), queries: queries(request), key: "functions", record: Records.resource))
        case (_, _, "emulator", _):
            return try await control(request, method: method, p: p)
        default:
            throw routeNotFound(path)
        }
    }

    func routeNotFound(_ path: String) -> ServiceError {
        ServiceError(404, "general_route_not_found", "The requested route was not found. Please refer to the API docs and try again.")
    }

    func control(_ request: Request, method: HTTPRequest.Method, p: [String]) async throws -> Response {
        switch (method, p.dropFirst().first) {
        case (.get, "clock"):
            let now = engine.now
            return json(200, .object(["now": .string(Millis.date(now)), "nowMs": .integer(now)]))
        case (.post, "clock"):
            let b = try await body(request)
            let seconds = (b.body["advanceSeconds"]?.doubleValue ?? 0) + (b.body["advanceDays"]?.doubleValue ?? 0) * 86400
            // A century at most: the clock stays far inside Int64 milliseconds.
            guard seconds.isFinite, (0...3_155_760_000).contains(seconds) else {
                throw ServiceError.argument("advanceSeconds", "Value must be between 0 and 3155760000 seconds (100 years)")
            }
            let now = try await engine.advance(byMs: Int64(seconds * 1000))
            return json(200, .object(["now": .string(Millis.date(now)), "nowMs": .integer(now)]))
        case (.post, "seed"):
            let b = try await body(request)
            func count(_ k: String) throws -> Int {
                let n = try b.integer(k) ?? 0
                guard (0...1_000_000).contains(n) else { throw ServiceError.argument(k, "Value must be between 0 and 1000000") }
                return Int(n)
            }
            let created = try engine.seed(databases: try count("databases"), buckets: try count("buckets"),
                                          functions: try count("functions"), archives: try count("archives"))
            return json(201, created)
        case (.get, "stats"):
            return json(200, .object(["requests": .integer(Int64(engine.requestCount.withLock { $0 }))]))
        case (.post, "reset"):
            try await engine.reset()
            return Response(status: .noContent)
        case (.post, "faults"):
            let b = try await body(request)
            try engine.faults.withLock { try $0.apply(.object(b.body)) }
            return Response(status: .noContent)
        default:
            throw routeNotFound(request.uri.path)
        }
    }
}

func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    var diff = UInt8(x.count == y.count ? 0 : 1)
    for i in 0..<max(x.count, y.count) {
        diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
    }
    return diff == 0
}

func percentDecode(_ s: String) -> String {
    var bytes: [UInt8] = []
    var it = Array(s.utf8)[...]
    while let b = it.popFirst() {
        if b == UInt8(ascii: "+") {
            bytes.append(0x20)
        } else if b == UInt8(ascii: "%"), it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
            bytes.append(v)
            it = it.dropFirst(2)
        } else {
            bytes.append(b)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}
