import BkupJSON

/// What a successful answer must look like. A 2xx that is not the documented shape (an empty
/// body, `null`, a proxy's page, a list without its array) is an error, never an empty success.
public enum AnswerShape: Sendable {
    /// An object with a string `$id`.
    case record
    /// `{total: integer, <key>: [records]}`.
    case list(key: String)
    /// 204 No Content (or a 2xx with an empty body).
    case empty
    /// Anything (the emulator's own controls).
    case any

    /// What is wrong with the answer, or nil when it has the shape.
    func problem(status: Int, body: [UInt8]) -> String? {
        switch self {
        case .any: return nil
        case .empty:
            return status == 204 || body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) ? nil
                : "a body where there should be none (\(body.count) bytes; expected 204 No Content)"
        case .record:
            guard let value = decoded(body) else { return bodyProblem(body) }
            return Self.recordProblem(value)
        case .list(let key):
            guard let value = decoded(body) else { return bodyProblem(body) }
            guard case .object(let o) = value else { return "\(value.typeName) where a list of \(key) was expected" }
            guard o["total"]?.intValue != nil else { return "a list without an integer 'total'" }
            guard case .array(let items)? = o[key] else { return "a list without its '\(key)' array" }
            for (i, item) in items.enumerated() {
                if let problem = Self.recordProblem(item) { return "item #\(i + 1) of '\(key)': \(problem)" }
            }
            return nil
        }
    }

    private func decoded(_ body: [UInt8]) -> JSONValue? { try? JSONCodec.decode(body) }

    private func bodyProblem(_ body: [UInt8]) -> String {
        body.isEmpty ? "an empty body where a record was expected" : "a body that is not JSON (\(body.count) bytes)"
    }

    private static func recordProblem(_ value: JSONValue) -> String? {
        guard case .object(let o) = value else { return "\(value.typeName) where a record was expected" }
        guard case .string(let id)? = o["$id"], !id.isEmpty else { return "a record without a '$id'" }
        return nil
    }
}
