import BackupsModels
import BkupJSON
import Hummingbird
import NIOCore

/// Answers as Appwrite's framework writes them: JSON with sorted keys (the same state always
/// reads back as the same bytes), and a Content-Type on every answer, 204 included (the
/// official Python SDK reads it on every answer).
enum Answer {
    static func json(_ status: Int, _ value: JSONValue, headers: HTTPFields = HTTPFields()) -> Response {
        let bytes = (try? JSONCodec.encodeBytes(value, options: .init(sortKeys: true))) ?? []
        var headers = headers
        headers[.contentType] = "application/json; charset=UTF-8"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// 204 with the framework's default type (not JSON: there is no body to parse).
    static var noContent: Response {
        Response(status: .noContent, headers: [.contentType: "text/html; charset=UTF-8"])
    }

    static func error(_ e: ServiceError, headers: HTTPFields = HTTPFields()) -> Response {
        json(e.code, .object([
            "message": .string(e.message), "code": .integer(Int64(e.code)), "type": .string(e.type),
            "version": .string(ErrorBody.serverVersion),
        ]), headers: headers)
    }
}
