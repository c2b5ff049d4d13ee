import BackupsModels
import BkupJSON

/// Every failure of the client: a service error (Appwrite's `{message, code, type}`), or a
/// client-side one with code 0 and type `argument_invalid`, `network_error` or `timeout`.
/// Never contains the API key.
public struct BackupsError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status, or 0 for a client-side error.
    public var code: Int
    public var type: String
    public var message: String
    /// The response body as received (for a service error).
    public var body: String?
    /// A create with a server-chosen ID failed in a way that leaves unknown whether the
    /// service acted on it.
    public var mayHaveHappened = false
    /// When it may have happened: the records that could be what it made.
    public var candidates: [String] = []
    public var attempts = 1

    public init(code: Int, type: String, message: String, body: String? = nil) {
        self.code = code
        self.type = type
        self.message = message
        self.body = body
    }

    /// `document_not_found (404): Policy ... not found`
    public var description: String {
        code == 0 ? "\(type): \(message)" : "\(type) (\(code)): \(message)"
    }

    public static func argument(_ message: String) -> BackupsError {
        BackupsError(code: 0, type: "argument_invalid", message: message)
    }

    public static func invalid(_ failure: Validation.Failure) -> BackupsError {
        argument(failure.description)
    }

    public var isRetryableStatus: Bool { [429, 502, 503, 504].contains(code) }

    /// The scope a 401 `general_unauthorized_scope` names (`... missing scopes (["policies.write"])`).
    public var missingScope: String? {
        guard code == 401, type == "general_unauthorized_scope", let body,
            let json = try? JSONCodec.decode(Array(body.utf8)), let text = json["message"]?.stringValue,
            let open = text.range(of: "missing scope"), let quote = text[open.upperBound...].firstIndex(of: "\"")
        else { return nil }
        let rest = text[text.index(after: quote)...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    /// Builds the error for a non-2xx response: Appwrite's JSON error body when there is one,
    /// otherwise a clear message about what came back (a proxy's HTML page, say).
    static func from(status: Int, body: [UInt8], contentType: String?) -> BackupsError {
        // Whatever the server or a proxy echoed (request headers included) is redacted.
        let text = Secrets.shared.redact(String(decoding: body, as: UTF8.self))
        if let json = try? JSONCodec.decode(body), case .object(let o) = json, let message = o["message"]?.stringValue {
            return BackupsError(code: status, type: Secrets.shared.redact(o["type"]?.stringValue ?? "general_server_error"),
                                message: Secrets.shared.redact(message), body: text)
        }
        let kind = (contentType ?? "").contains("html") || text.lowercased().contains("<html") ? "an HTML page" : "a non-JSON body"
        let snippet = summarize(text)
        var e = BackupsError(code: status, type: status == 429 ? "general_rate_limit_exceeded" : "general_server_error",
                             message: "HTTP \(status) with \(kind) (not Appwrite's error JSON; a proxy or gateway answered?)" + (snippet.isEmpty ? "" : ": \(snippet)"),
                             body: text)
        if status == 404 { e.type = "general_route_not_found" }
        return e
    }

    static func summarize(_ text: String) -> String {
        // Strip tags and squeeze whitespace so that an HTML error page reads as one line.
        var out = ""
        var inTag = false
        for c in text {
            if c == "<" { inTag = true; continue }
            if c == ">" { inTag = false; out.append(" "); continue }
            if !inTag { out.append(c.isWhitespace ? " " : c) }
        }
        let squeezed = out.split(separator: " ").joined(separator: " ")
        return squeezed.count > 200 ? String(squeezed.prefix(200)) + "…" : squeezed
    }
}
