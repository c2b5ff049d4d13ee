import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// A failure below HTTP, in words a person can act on: what happened, naming the endpoint's
/// host (never the key), and what to do. The library's own error goes to --verbose only.
/// Failures that trying again cannot fix (a certificate, a name that does not exist) are not
/// retried.
struct TransportProblem {
    enum Kind: String {
        case untrustedCertificate, expiredCertificate, hostnameMismatch, notTLS, tlsFailed
        case unknownHost, dnsUnavailable, refused, connectTimeout, answerTimeout, closed, cancelled, other
    }

    let kind: Kind
    let message: String

    /// Trying again may give another outcome.
    var retryable: Bool {
        switch kind {
        case .untrustedCertificate, .expiredCertificate, .hostnameMismatch, .notTLS, .tlsFailed, .unknownHost, .cancelled: false
        default: true
        }
    }

    /// The service may have acted on the request (so only idempotent requests repeat blindly).
    var ambiguous: Bool {
        switch kind {
        case .answerTimeout, .closed, .other: true
        default: false
        }
    }
}

extension BackupsClient {
    var endpointHostAndPort: (host: String, port: Int, tls: Bool) {
        let url = URL(string: baseURL)
        let tls = url?.scheme == "https"
        return (url?.host ?? baseURL, url?.port ?? (tls ? 443 : 80), tls)
    }

    func classify(_ error: any Error, _ request: BackupsRequest) async -> Failure {
        let what = "\(request.method.rawValue) \(request.path)"
        let problem = await diagnose(error)
        if let logger = configuration.logger {
            logger.info("\(what): \(problem.message) [\(problem.kind.rawValue): \(Secrets.shared.redact(String(reflecting: error)))]")
        }
        let type = problem.kind == .connectTimeout || problem.kind == .answerTimeout ? "timeout"
            : problem.kind == .cancelled ? "cancelled" : "network_error"
        let error = BackupsError(code: 0, type: type, message: "\(what): \(problem.message)")
        if !problem.retryable { return .status(error, Response(status: 0, headers: [:], body: [])) }
        return .transport(error, ambiguous: problem.ambiguous)
    }

    func diagnose(_ error: any Error) async -> TransportProblem {
        let (host, port, _) = endpointHostAndPort
        let place = "\(host):\(port)"
        let reflected = String(reflecting: error)
        if error is CancellationError { return .init(kind: .cancelled, message: "cancelled") }
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout:
                return .init(kind: .connectTimeout, message: "\(place) did not accept a connection within \(Self.seconds(configuration.connectTimeout)): a firewall in the way, or the wrong address or port")
            case .deadlineExceeded, .readTimeout:
                return .init(kind: .answerTimeout, message: "\(host) did not answer within \(Self.seconds(configuration.requestTimeout))")
            case .remoteConnectionClosed:
                return .init(kind: .closed, message: "\(host) closed the connection before answering")
            case .cancelled:
                return .init(kind: .cancelled, message: "cancelled")
            default: break
            }
        }
        if error is ResponseAccumulator.ResponseTooBigError {
            return .init(kind: .other, message: "\(host) answered with more than 64 MB: no Appwrite answer is that large; is the endpoint right?")
        }
        if let e = error as? NIOSSLExtraError, e == .failedToValidateHostname {
            let names = await CertificateProbe.peek(host: host, port: port)?.names.joined(separator: ", ")
            return .init(kind: .hostnameMismatch, message: "the TLS certificate of \(place) is for \(names.map { $0.isEmpty ? "other names" : $0 } ?? "other names"), not \(host): use a name the certificate gives in the endpoint, or fix the certificate")
        }
        if reflected.contains("CERTIFICATE_VERIFY_FAILED") || reflected.contains("certificate verify failed") {
            if let peer = await CertificateProbe.peek(host: host, port: port) {
                if peer.isExpired() {
                    func day(_ date: Date) -> String {
                        ISO8601DateFormatter.string(from: date, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
                    }
                    let when = peer.notValidAfter < Date() ? "expired on \(day(peer.notValidAfter))" : "is not valid before \(day(peer.notValidBefore))"
                    return .init(kind: .expiredCertificate, message: "the TLS certificate of \(place) (\(peer.subject)) \(when): renew it on the server (or check this machine's clock); --self-signed accepts it anyway")
                }
                if !peer.covers(host) {
                    return .init(kind: .hostnameMismatch, message: "the TLS certificate of \(place) is for \(peer.names.isEmpty ? peer.subject : peer.names.joined(separator: ", ")), not \(host), and it is not trusted: use the name it gives, or --self-signed")
                }
            }
            return .init(kind: .untrustedCertificate, message: "the TLS certificate of \(place) is not trusted (self-signed, or from an authority this machine does not know): pass --ca-file with the authority's certificate, or --self-signed to accept it unverified")
        }
        if error is NIOSSLError || error is BoringSSLError {
            if reflected.contains("WRONG_VERSION_NUMBER") || reflected.contains("wrong version number") || reflected.contains("PACKET_LENGTH_TOO_LONG") {
                return .init(kind: .notTLS, message: "\(place) does not speak TLS: is the endpoint http:// rather than https://, or is the port right?")
            }
            return .init(kind: .tlsFailed, message: "the TLS handshake with \(place) failed: \(Self.short(reflected))")
        }
        if reflected.contains("UnknownHost") || reflected.contains("Name or service not known") || reflected.contains("No address associated")
            || reflected.contains("nodename nor servname") {
            return .init(kind: .unknownHost, message: "unknown host \(host): no such name in DNS; check the endpoint's spelling")
        }
        if reflected.contains("Temporary failure in name resolution") || reflected.contains("dnsAError") || reflected.contains("dnsAAAAError") {
            return .init(kind: .dnsUnavailable, message: "cannot look up \(host) right now (DNS does not answer): check this machine's network")
        }
        if reflected.contains("refused") || reflected.contains("ECONNREFUSED") || reflected.contains("errno: 111") {
            return .init(kind: .refused, message: "\(place) refused the connection: is Appwrite running there, and is the port right?")
        }
        if reflected.contains("timed out") || reflected.contains("ETIMEDOUT") || reflected.contains("connectTimeout") {
            return .init(kind: .connectTimeout, message: "\(place) did not accept a connection within \(Self.seconds(configuration.connectTimeout)): a firewall in the way, or the wrong address or port")
        }
        if reflected.contains("Connection reset") || reflected.contains("ECONNRESET") || reflected.contains("Broken pipe") {
            return .init(kind: .closed, message: "\(host) reset the connection before answering")
        }
        return .init(kind: .other, message: "cannot reach \(host): \(Self.short(reflected))")
    }

    /// A route the service does not have, or an answer that is not Appwrite's JSON, usually
    /// means the endpoint is not Appwrite's API: say which part looks wrong.
    func explainEndpoint(_ error: inout BackupsError, _ request: BackupsRequest) {
        // A gateway's 5xx or 429 page is a gateway's: those are retried, and say so already.
        let notAppwrite = error.message.hasPrefix("HTTP \(error.code) with ") && error.code < 500 && error.code != 429
        guard error.type == "general_route_not_found" || notAppwrite else { return }
        let what = "\(request.method.rawValue) \(request.path)"
        let (host, _, _) = endpointHostAndPort
        let path = URL(string: baseURL)?.path ?? ""
        if !path.hasSuffix("/v1") {
            error.message = "\(what): \(host) has no such route (\(error.code)): the endpoint \(baseURL) does not end in /v1;"
                + " Appwrite's API is most likely at \(EndpointURL.suggestion(for: baseURL))"
        } else if notAppwrite {
            error.message = "\(what): \(host) answered \(error.code) with \(error.message.contains("HTML") ? "an HTML page" : "something other than JSON"),"
                + " not Appwrite's JSON: is \(baseURL) an Appwrite endpoint?"
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }

    /// A library's error in one short line without a path of the machine that built it.
    static func short(_ text: String) -> String {
        var line = text.replacingOccurrences(of: "\n", with: " ")
        if let regex = try? NSRegularExpression(pattern: #"\s*(at\s+)?/[^\s\]\)]*"#) {
            line = regex.stringByReplacingMatches(in: line, range: NSRange(line.startIndex..., in: line), withTemplate: "")
        }
        return String(line.prefix(160))
    }
}
