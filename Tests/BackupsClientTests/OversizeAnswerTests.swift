import BackupsClient
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A server that answers every request with a 200 whose body is larger than any Appwrite
/// answer: a real socket on loopback, because the emulator never sends one.
final class OversizeAnswerServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32

    /// `announceLength: false` sends no content-length: the body ends when the connection does,
    /// so the client finds the size only by reading.
    init(bodyBytes: Int, announceLength: Bool) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        guard bound, listen(listener, 8) == 0 else {
            close(listener)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        self.listener = listener
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread {
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 { return }
                Self.answer(connection, bodyBytes: bodyBytes, announceLength: announceLength)
                close(connection)
            }
        }
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private static func answer(_ connection: Int32, bodyBytes: Int, announceLength: Bool) {
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: request, as: UTF8.self).contains("\r\n\r\n") {
            let n = read(connection, &buffer, buffer.count)
            if n <= 0 { return }
            request += buffer[0..<n]
        }
        let length = announceLength ? "content-length: \(bodyBytes)" : "connection: close"
        let head = Array("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\(length)\r\n\r\n".utf8)
        guard send(connection, head, head.count, Int32(MSG_NOSIGNAL)) == head.count else { return }
        let chunk = [UInt8](repeating: UInt8(ascii: " "), count: 1 << 20)
        var left = bodyBytes
        while left > 0 {
            let n = send(connection, chunk, min(left, chunk.count), Int32(MSG_NOSIGNAL))
            if n <= 0 { return }  // the client hung up: what it should do past its limit
            left -= n
        }
    }
}

final class OversizeAnswerTests: XCTestCase {
    /// An answer over 64 MB is not read to its end: the request fails with an error that says
    /// why, instead of the client holding the whole body in memory. Announced by its length, it
    /// is refused at its head; unannounced, once 64 MB have come.
    func testAnAnswerOverSixtyFourMegabytesFailsClearly() async throws {
        for announceLength in [true, false] {
            let server = try OversizeAnswerServer(bodyBytes: 70_000_000, announceLength: announceLength)
            var configuration = ClientConfiguration(endpoint: "http://127.0.0.1:\(server.port)/v1", project: "p", apiKey: "k")
            configuration.retry = .singleAttempt
            let client = try BackupsClient(configuration: configuration)
            do {
                _ = try await client.listPolicies()
                XCTFail("a 70 MB answer was read (content-length sent: \(announceLength))")
            } catch {
                XCTAssertTrue(error.message.contains("answered with more than 64 MB"), "\(announceLength): \(error.message)")
            }
            try await client.shutdown()
            withExtendedLifetime(server) {}
        }
    }
}
