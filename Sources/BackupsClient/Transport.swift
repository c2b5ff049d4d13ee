import AsyncHTTPClient
import BackupsModels
import BkupJSON
import Foundation
import NIOCore
import NIOHTTP1

extension BackupsClient {
    /// One HTTP exchange.
    func execute(_ request: BackupsRequest) async throws(Failure) -> Response {
        var url = baseURL + request.path
        var parameters = request.queries.map { "queries%5B%5D=" + percentEncode($0) }
        if let total = request.total { parameters.append("total=\(total)") }
        if !parameters.isEmpty { url += "?" + parameters.joined(separator: "&") }
        var headers = HTTPHeaders()
        headers.add(name: "X-Appwrite-Project", value: configuration.project)
        headers.add(name: "X-Appwrite-Key", value: configuration.apiKey.value)
        headers.add(name: "X-Appwrite-Response-Format", value: ErrorBody.serverVersion)
        headers.add(name: "accept", value: "application/json")
        headers.add(name: "user-agent", value: BkupRelease.userAgent)
        var body: HTTPClient.Body?
        if request.method != .GET {
            headers.add(name: "content-type", value: "application/json")
            let bytes = (try? JSONCodec.encodeBytes(request.body ?? .object([:]))) ?? Array("{}".utf8)
            body = .byteBuffer(ByteBuffer(bytes: bytes))
        }
        if let budget {
            do { try await budget.acquire() } catch { throw .status(BackupsError(code: 0, type: "cancelled", message: "\(request.method.rawValue) \(request.path): cancelled"), Response(status: 0, headers: [:], body: [])) }
        }
        defer { budget?.release() }
        do {
            // The EventLoopFuture API: the async one schedules a timer per request for its
            // deadline (see RequestDeadlines); this one takes none, and RequestDeadlines keeps it.
            let http = try HTTPClient.Request(url: url, method: HTTPMethod(rawValue: request.method.rawValue), headers: headers, body: body)
            let task = self.http.execute(request: http, delegate: ResponseAccumulator(request: http, maxBodySize: 64 << 20))
            let deadline = RequestDeadlines.shared.add(.now() + .milliseconds(Int64(configuration.requestTimeout * 1000))) {
                task.fail(reason: HTTPClientError.deadlineExceeded)
            }
            defer { RequestDeadlines.shared.remove(deadline) }
            let response = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
            let bytes = response.body.map { Array($0.readableBytesView) } ?? []
            return Response(status: Int(response.status.code), headers: response.headers, body: bytes)
        } catch {
            throw await classify(error, request)
        }
    }

}
