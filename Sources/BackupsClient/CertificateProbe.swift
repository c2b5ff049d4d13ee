import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// What a server's TLS certificate says about itself, read without trusting it: for errors that
/// say why a certificate was refused (expired, for another name, or from an unknown authority)
/// and for `doctor`'s checklist.
public struct PeerCertificate: Sendable, Equatable {
    public var commonName: String?
    /// DNS names and IP addresses the certificate is for.
    public var names: [String]
    public var notValidBefore: Date
    public var notValidAfter: Date
    /// Issued by itself (subject == issuer cannot be read here; a single certificate in the chain).
    public var chainLength: Int

    public var subject: String { commonName ?? names.first ?? "(no name)" }

    public func isExpired(at now: Date = Date()) -> Bool { now > notValidAfter || now < notValidBefore }

    /// Whether the certificate names `host` (a `*.` wildcard covers one label).
    public func covers(_ host: String) -> Bool {
        let host = host.lowercased()
        let candidates = names.isEmpty ? [commonName].compactMap { $0 } : names
        return candidates.contains { name in
            let name = name.lowercased()
            if name == host { return true }
            if name.hasPrefix("*."), let dot = host.firstIndex(of: ".") { return host[dot...] == name.dropFirst() }
            return false
        }
    }
}

public enum CertificateProbe {
    /// Connects to host:port, completes a TLS handshake accepting any certificate, and returns
    /// the leaf certificate; nil when there is no TLS there or no answer within `timeout`.
    public static func peek(host: String, port: Int, timeout: Double = 5) async -> PeerCertificate? {
        let captured = CapturedChain()
        // A promise must be completed, whatever happened (NIO reports one left unfulfilled).
        defer { captured.handshake.fail(CancellationError()) }
        do {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            let context = try NIOSSLContext(configuration: tls)
            let sni = isIPAddress(host) ? nil : host
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(Int64(timeout * 1000)))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = try NIOSSLClientHandler(context: context, serverHostname: sni) { chain, promise in
                            captured.set(chain)
                            promise.succeed(.certificateVerified)
                            captured.handshake.succeed(())
                        }
                        try channel.pipeline.syncOperations.addHandler(handler)
                        try channel.pipeline.syncOperations.addHandler(HandshakeWaiter(done: captured.handshake))
                    }
                }
                .connect(host: host, port: port).get()
            _ = try? await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await captured.handshake.futureResult.get() }
                group.addTask {
                    try await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                    throw CancellationError()
                }
                try await group.next()
                group.cancelAll()
            }
            try? await channel.close()
        } catch {
            return nil
        }
        guard let chain = captured.get(), let leaf = chain.first else { return nil }
        return PeerCertificate(
            commonName: commonName(of: leaf), names: alternativeNames(of: leaf),
            notValidBefore: Date(timeIntervalSince1970: TimeInterval(leaf.notValidBefore)),
            notValidAfter: Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter)),
            chainLength: chain.count)
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    static func commonName(of certificate: NIOSSLCertificate) -> String? {
        // NIOSSL keeps commonName internal; its description carries it.
        let description = certificate.description
        guard let range = description.range(of: ";common_name=") else { return nil }
        return String(description[range.upperBound...].prefix { $0 != ";" && $0 != ">" })
    }

    static func alternativeNames(of certificate: NIOSSLCertificate) -> [String] {
        certificate._subjectAlternativeNames().compactMap { name in
            let bytes = name.contents.withUnsafeBufferPointer { Array($0) }
            switch name.nameType {
            case .dnsName: return String(decoding: bytes, as: UTF8.self)
            case .ipAddress where bytes.count == 4: return bytes.map(String.init).joined(separator: ".")
            case .ipAddress where bytes.count == 16:
                return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
            default: return nil
            }
        }
    }
}

private final class CapturedChain: @unchecked Sendable {
    private let lock = NSLock()
    private var chain: [NIOSSLCertificate]?
    let handshake = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Void.self)
    func set(_ value: [NIOSSLCertificate]) { lock.lock(); chain = value; lock.unlock() }
    func get() -> [NIOSSLCertificate]? { lock.lock(); defer { lock.unlock() }; return chain }
}

private final class HandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    let done: EventLoopPromise<Void>
    init(done: EventLoopPromise<Void>) { self.done = done }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }
}
