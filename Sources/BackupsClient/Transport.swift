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
        var http = HTTPClientRequest(url: url)
        http.method = HTTPMethod(rawValue: request.method.rawValue)
        http.headers.add(name: "X-Appwrite-Project", value: configuration.project)
        http.headers.add(name: "X-Appwrite-Key", value: configuration.apiKey.value)
        http.headers.add(name: "X-Appwrite-Response-Format", value: ErrorBody.serverVersion)
        http.headers.add(name: "accept", value: "application/json")
        http.headers.add(name: "user-agent", value: "bkup/\(BackupsClient.version)")
        if request.method != .GET {
            http.headers.add(name: "content-type", value: "application/json")
            let bytes = (try? JSONCodec.encodeBytes(request.body ?? .object([:]))) ?? Array("{}".utf8)
            http.body = .bytes(ByteBuffer(bytes: bytes))
        }
        if let budget {
            do { try await budget.acquire() } catch { throw .status(BackupsError(code: 0, type: "cancelled", message: "\(request.method.rawValue) \(request.path): cancelled"), Response(status: 0, headers: [:], body: [])) }
        }
        defer { budget?.release() }
        do {
            let response = try await self.http.execute(http, timeout: .milliseconds(Int64(configuration.requestTimeout * 1000)))
            var buffer = try await response.body.collect(upTo: 64 << 20)
            let body = buffer.readBytes(length: buffer.readableBytes) ?? []
            return Response(status: Int(response.status.code), headers: response.headers, body: body)
        } catch {
            throw await classify(error, request)
        }
    }

}
