import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A stranger's endpoint: a real socket on loopback that records every header of every request
/// it receives, and answers each with `answer` (by default a 401 in Appwrite's shape; a redirect
/// to test that none is followed). What a hostile fleet file would point bkup at.
final class HeaderRecorder: @unchecked Sendable {
    let port: UInt16
    let host: String
    private let listener: Int32
    private let lock = NSLock()
    private var requests: [[(String, String)]] = []

    /// `ipv6`: listen on ::1 (nil when this machine has no IPv6 loopback), at `port` if given.
    init?(ipv6: Bool = false, port wanted: UInt16 = 0, answer: String? = nil) {
        let family = ipv6 ? AF_INET6 : AF_INET
        let listener = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { return nil }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var bound = false
        var chosen: UInt16 = 0
        if ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_addr = in6addr_loopback
            address.sin6_port = wanted.bigEndian
            var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
            }
            chosen = UInt16(bigEndian: address.sin6_port)
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = wanted.bigEndian
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
            }
            chosen = UInt16(bigEndian: address.sin_port)
        }
        guard bound, listen(listener, 16) == 0 else {
            close(listener)
            return nil
        }
        self.listener = listener
        port = chosen
        host = ipv6 ? "[::1]" : "127.0.0.1"
        let reply = answer ?? Self.unauthorized
        Thread.detachNewThread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 { return }
                Thread.detachNewThread { [self] in
                    serve(connection, reply: reply)
                    close(connection)
                }
            }
        }
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    var url: String { "http://\(host):\(port)/v1" }

    static let unauthorized = answer(status: "401 Unauthorized",
                                     body: #"{"message":"Invalid API key","code":401,"type":"user_unauthorized","version":"1.8.0"}"#)

    static func answer(status: String, headers: [String] = [], body: String) -> String {
        (["HTTP/1.1 \(status)", "content-type: application/json", "content-length: \(body.utf8.count)", "connection: close"] + headers)
            .joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    static func redirect(to location: String) -> String {
        answer(status: "301 Moved Permanently", headers: ["location: \(location)"], body: "{}")
    }

    /// Every request so far: its headers, in order.
    var received: [[(String, String)]] { lock.withLock { requests } }

    /// Whether any header of any request holds `text`.
    func saw(_ text: String) -> Bool { received.contains { $0.contains { $0.1.contains(text) || $0.0.contains(text) } } }

    private func serve(_ connection: Int32, reply: String) {
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            if let end = Self.headEnd(head) {
                record(Array(head[..<end]))
                break
            }
            let n = read(connection, &buffer, buffer.count)
            if n <= 0 { return }
            head += buffer[0..<n]
        }
        let bytes = Array(reply.utf8)
        _ = send(connection, bytes, bytes.count, Int32(MSG_NOSIGNAL))
    }

    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 { return i }
        return nil
    }

    private func record(_ head: [UInt8]) {
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        var headers: [(String, String)] = [(":request", lines.first ?? "")]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        lock.withLock { requests.append(headers) }
    }
}
