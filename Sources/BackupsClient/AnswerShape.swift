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

    /// The answer's JSON when it has the shape (nil for an empty answer, or where the shape
    /// is `.any` and the body is not read), else what is wrong with it. The body is decoded
    /// once, here: whoever needs the JSON next takes it from the result.
    func check(status: Int, body: [UInt8]) -> Result<JSONValue?, ShapeProblem> {
        switch self {
        case .any: return .success(nil)
        case .empty:
            return status == 204 || body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) ? .success(nil)
                : .failure(ShapeProblem("a body where there should be none (\(body.count) bytes; expected 204 No Content)"))
        case .record:
            guard let value = try? JSONCodec.decode(body) else { return .failure(bodyProblem(body)) }
            if let problem = Self.recordProblem(value) { return .failure(ShapeProblem(problem)) }
            return .success(value)
        case .list(let key):
            guard let value = try? JSONCodec.decode(body) else { return .failure(bodyProblem(body)) }
            guard case .object(let o) = value else { return .failure(ShapeProblem("\(value.typeName) where a list of \(key) was expected")) }
            guard o["total"]?.intValue != nil else { return .failure(ShapeProblem("a list without an integer 'total'")) }
            guard case .array(let items)? = o[key] else { return .failure(ShapeProblem("a list without its '\(key)' array")) }
            for (i, item) in items.enumerated() {
                if let problem = Self.recordProblem(item) { return .failure(ShapeProblem("item #\(i + 1) of '\(key)': \(problem)")) }
            }
            return .success(value)
        }
    }

    /// What is wrong with the answer, or nil when it has the shape.
    func problem(status: Int, body: [UInt8]) -> String? {
        if case .failure(let problem) = check(status: status, body: body) { return problem.description }
        return nil
    }

    struct ShapeProblem: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    private func bodyProblem(_ body: [UInt8]) -> ShapeProblem {
        ShapeProblem(body.isEmpty ? "an empty body where a record was expected" : "a body that is not JSON (\(body.count) bytes)")
    }

    private static func recordProblem(_ value: JSONValue) -> String? {
        guard case .object(let o) = value else { return "\(value.typeName) where a record was expected" }
        guard case .string(let id)? = o["$id"], !id.isEmpty else { return "a record without a '$id'" }
        return nil
    }
}
