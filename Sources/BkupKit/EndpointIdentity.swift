import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An endpoint as the trust rule compares it: scheme, host, port and path, each in the one
/// spelling that means the same thing: a lower-case scheme and host, the default port written
/// out, no trailing slash, an IPv6 address in its shortest form (`[0:0::1]` is `[::1]`).
///
/// Only what surely means the same is made equal. `localhost` is not `127.0.0.1` (it may be
/// `::1`, another listener), `127.1` is not `127.0.0.1`, a trailing dot is not nothing: such
/// endpoints are different, so the operator's key is refused there rather than risked.
///
/// A URL whose meaning is not plain has no identity (nil): user info (`http://good@evil/`), a
/// query or fragment, a percent sign or any character outside `[a-z0-9._-]` in the host, any
/// byte outside printable ASCII. Parsers disagree about such URLs; what has no identity is the
/// same only as itself, letter for letter.
struct EndpointIdentity: Hashable, CustomStringConvertible {
    let scheme: String
    let host: String
    let port: Int
    let path: String

    init?(_ text: String) {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "\\") }),
            let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(), ["http", "https"].contains(scheme),
            parts.user == nil, parts.password == nil, parts.query == nil, parts.fragment == nil,
            var host = parts.percentEncodedHost, !host.isEmpty, !host.contains("%")
        else { return nil }
        // "scheme://" then the authority, with nothing before the host (no user info that a
        // parser dropped quietly).
        guard let authority = text.range(of: "://").map({ text[$0.upperBound...] }), !authority.contains("@") else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.contains(":") {
            guard let canonical = Self.ipv6(host) else { return nil }
            host = "[" + canonical + "]"
        } else {
            host = host.lowercased()
            guard host.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
            else { return nil }
        }
        let port = parts.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { return nil }
        var path = parts.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
    }

    var description: String { "\(scheme)://\(host):\(port)\(path)" }

    /// An IPv6 address in its shortest form, or nil when `text` is not one (a zone included).
    static func ipv6(_ text: String) -> String? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
