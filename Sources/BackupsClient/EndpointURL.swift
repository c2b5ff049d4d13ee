import Foundation

/// An endpoint as an operator writes it: checked where it enters (a flag, APPWRITE_ENDPOINT, a
/// fleet file, `backups.connect`) before anything is sent, and the one rule for where Appwrite's
/// API most likely is when the path does not end in /v1.
public enum EndpointURL {
    /// What is wrong with `text` as an endpoint, in words with what to write instead; nil when
    /// it is an http(s) URL with a host. A path without /v1 is allowed here (a proxy may serve
    /// Appwrite under another path); the first answer, and `doctor`, say what to do about it.
    /// `keySetting` is what the user calls the place for the key (a host's, or the flags).
    public static func problem(_ text: String, keySetting: String = "--key-file or APPWRITE_API_KEY") -> String? {
        let example = "e.g. https://cloud.appwrite.io/v1"
        let shown = Self.shown(text)
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { return "the endpoint is empty: give Appwrite's API URL, \(example)" }
        guard let separator = text.range(of: "://") else {
            return "'\(shown)' has no scheme: write http://\(shown) (or https://\(shown))"
        }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            return "'\(shown)' is not an http:// or https:// URL: Appwrite's API is reached over HTTP, \(example)"
        }
        guard let url = URL(string: text), let host = url.host, !host.isEmpty else {
            return "'\(shown)' is not a URL with a host name: \(example)"
        }
        // Never echoed: what stands before the @ may be a password.
        if url.user != nil || url.password != nil {
            return "the endpoint carries a user name or password: give the API key with \(keySetting), and the URL without it"
        }
        if let port = url.port, !(1...65535).contains(port) { return "'\(shown)': port \(port) is not from 1 to 65535" }
        if url.query != nil || url.fragment != nil { return "'\(shown)': an endpoint has no query or fragment (? or #): \(example)" }
        return nil
    }

    /// `text` as a message may quote it: whatever stands before an @ (a user name and password,
    /// however malformed the rest is) becomes "…".
    public static func shown(_ text: String) -> String {
        guard let at = text.range(of: "@", options: .backwards) else { return text }
        var start = text.startIndex
        for separator in ["://", ":/"] {
            if let s = text.range(of: separator), s.upperBound <= at.lowerBound { start = s.upperBound; break }
        }
        return text[..<start] + "…" + text[at.lowerBound...]
    }

    /// Where Appwrite's API most likely is, for an endpoint whose path does not end in /v1: its
    /// last part replaced when that is another version (/v2), else /v1 added.
    public static func suggestion(for endpoint: String) -> String {
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        let pathStart = base.range(of: "://").map { base[$0.upperBound...].firstIndex(of: "/") ?? base.endIndex } ?? base.startIndex
        if let slash = base[pathStart...].lastIndex(of: "/") {
            let last = base[base.index(after: slash)...]
            if last.count > 1, last.first == "v" || last.first == "V", last.dropFirst().allSatisfy(\.isNumber) {
                return base[..<slash] + "/v1"
            }
        }
        return base + "/v1"
    }
}
