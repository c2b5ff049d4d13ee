import BackupsModels
import BkupJSON
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One line of `doctor`'s checklist.
public struct DoctorCheck: Sendable {
    public enum Status: String, Sendable { case pass, warn, fail, skip }
    public var name: String
    public var status: Status
    public var detail: String
    /// What to do about it (for warn and fail).
    public var hint: String?

    public init(_ name: String, _ status: Status, _ detail: String, hint: String? = nil) {
        self.name = name
        self.status = status
        self.detail = detail
        self.hint = hint
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["name": .string(name), "status": .string(status.rawValue), "detail": .string(detail)]
        if let hint { o["hint"] = .string(hint) }
        return .object(o)
    }
}

public struct DoctorReport: Sendable {
    public var endpoint: String
    public var project: String
    public var checks: [DoctorCheck]

    public init(endpoint: String, project: String, checks: [DoctorCheck]) {
        self.endpoint = endpoint
        self.project = project
        self.checks = checks
    }

    /// Every check passed (a warning does not fail it).
    public var ok: Bool { !checks.contains { $0.status == .fail } }

    public var json: JSONValue {
        .object(["ok": .bool(ok), "endpoint": .string(endpoint), "project": .string(project),
                 "checks": .array(checks.map(\.json))])
    }
}

/// First contact with a service: each step from the URL to the key's scopes, with what to do
/// where one fails. Reads only: the write scopes are probed with requests the service refuses
/// before acting (a create without its required fields), so a key without the scope answers
/// 401 and one with it 400.
public enum Doctor {
    public static func examine(_ configuration: ClientConfiguration, before: [DoctorCheck] = []) async -> DoctorReport {
        var report = DoctorReport(endpoint: configuration.endpoint, project: configuration.project, checks: before)
        func add(_ check: DoctorCheck) { report.checks.append(check) }
        func skipRest(after name: String) {
            for rest in ["dns", "tcp", "tls", "appwrite", "project", "key", "scopes", "clock", "latency"].drop(while: { $0 != name }).dropFirst() {
                add(DoctorCheck(rest, .skip, "not checked (\(name) failed)"))
            }
        }

        // The URL.
        guard let url = URL(string: configuration.endpoint), let scheme = url.scheme, ["http", "https"].contains(scheme), let host = url.host,
              !host.isEmpty else {
            add(DoctorCheck("endpoint", .fail, "'\(configuration.endpoint)' is not an http(s) URL",
                            hint: "use the API endpoint from the Appwrite Console, e.g. https://cloud.appwrite.io/v1"))
            skipRest(after: "endpoint")
            return report
        }
        let tls = scheme == "https"
        let port = url.port ?? (tls ? 443 : 80)
        if !url.path.hasSuffix("/v1") {
            add(DoctorCheck("endpoint", .fail, "\(configuration.endpoint) does not end in /v1",
                            hint: "Appwrite's API is most likely at \(EndpointURL.suggestion(for: configuration.endpoint))"))
        } else {
            let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host)
            if tls || loopback {
                add(DoctorCheck("endpoint", .pass, configuration.endpoint))
            } else {
                add(DoctorCheck("endpoint", .warn, "\(configuration.endpoint): plain http, the API key crosses the network unencrypted",
                                hint: "use https://"))
            }
        }

        // DNS and TCP.
        let started = ContinuousClock.now
        let addresses: [SocketAddress]
        do {
            addresses = try await resolve(host, port)
            add(DoctorCheck("dns", .pass, "\(host) is \(Set(addresses.compactMap(\.ipAddress)).sorted().prefix(3).joined(separator: ", ")) (\(elapsed(since: started)))"))
        } catch {
            add(DoctorCheck("dns", .fail, "unknown host \(host)", hint: "check the endpoint's spelling and this machine's DNS"))
            skipRest(after: "dns")
            return report
        }
        let connecting = ContinuousClock.now
        if let failure = await connect(addresses, timeout: min(configuration.connectTimeout, 5)) {
            add(DoctorCheck("tcp", .fail, "\(host):\(port) \(failure)", hint: "is Appwrite running there, and is the port right? A firewall?"))
            skipRest(after: "tcp")
            return report
        }
        add(DoctorCheck("tcp", .pass, "\(host):\(port) accepts connections (\(elapsed(since: connecting)))"))

        // TLS, Appwrite, and the clock, from one unauthenticated request.
        var probing = configuration
        probing.retry.maxAttempts = 1
        let client: BackupsClient
        do { client = try BackupsClient(configuration: probing) } catch {
            add(DoctorCheck("configuration", .fail, "\(error)"))
            return report
        }
        defer { Task.detached { try? await client.shutdown() } }
        let peer = tls ? await CertificateProbe.peek(host: host, port: port) : nil
        let health = BackupsRequest(.GET, "/health/version", idempotency: .read, noun: "version")
        var healthAnswer: BackupsClient.Response?
        var healthError: BackupsError?
        let asking = ContinuousClock.now
        do { healthAnswer = try await client.probe(health) } catch {
            switch error {
            case .status(let e, _), .transport(let e, _): healthError = e
            }
        }
        let roundTrip = milliseconds(since: asking)
        if tls {
            if let e = healthError, e.message.contains("certificate") || e.message.contains("TLS") {
                // "GET /path: what happened: what to do" — the checklist has its own hint.
                let what = e.message.components(separatedBy: ": ").dropFirst().first ?? e.message
                add(DoctorCheck("tls", .fail, what, hint: "trust the server's authority with --ca-file, or accept it unverified with --self-signed"))
                skipRest(after: "tls")
                return report
            }
            if let peer {
                let days = Int(peer.notValidAfter.timeIntervalSinceNow / 86400)
                let verified = configuration.selfSigned ? "not verified (--self-signed)" : "trusted"
                let detail = "\(peer.subject), \(verified), expires in \(days) days (\(ISO8601DateFormatter.string(from: peer.notValidAfter, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])))"
                add(DoctorCheck("tls", days < 14 ? .warn : .pass, detail, hint: days < 14 ? "renew the certificate soon" : nil))
            } else {
                add(DoctorCheck("tls", .pass, configuration.selfSigned ? "not verified (--self-signed)" : "trusted"))
            }
        }
        guard let answer = healthAnswer else {
            add(DoctorCheck("appwrite", .fail, healthError?.message ?? "no answer", hint: "is the endpoint Appwrite's API?"))
            skipRest(after: "appwrite")
            return report
        }
        guard (200..<300).contains(answer.status), let body = try? JSONCodec.decode(answer.body), let version = body["version"]?.stringValue else {
            let html = String(decoding: answer.body.prefix(200), as: UTF8.self).lowercased().contains("<html")
            add(DoctorCheck("appwrite", .fail, "\(host) answered /health/version with \(answer.status)\(html ? " and an HTML page" : ""), not Appwrite's JSON",
                            hint: "is \(configuration.endpoint) Appwrite's API endpoint (it ends in /v1)?"))
            skipRest(after: "appwrite")
            return report
        }
        add(DoctorCheck("appwrite", .pass, "Appwrite \(version)"))

        // Project and key, then each scope, from read-only probes.
        let probes = await probeScopes(client)
        let first = probes.first { $0.scope == "policies.read" }?.error
        if let e = first, e.type == "project_not_found" {
            add(DoctorCheck("project", .fail, "no project '\(configuration.project)' at \(host)", hint: "copy the project ID from the Appwrite Console's project settings"))
            skipRest(after: "project")
            return report
        }
        add(DoctorCheck("project", .pass, configuration.project))
        if let e = first, e.code == 401, e.missingScope == nil {
            add(DoctorCheck("key", .fail, "the API key is not valid for project '\(configuration.project)'",
                            hint: "create a key in the Appwrite Console (Overview → Integrations → API keys) and pass it with --key-file"))
            skipRest(after: "key")
            return report
        }
        add(DoctorCheck("key", .pass, "accepted"))
        let backupScopes = ["policies.read", "policies.write", "archives.read", "archives.write", "restorations.read", "restorations.write"]
        let missing = probes.filter { $0.missing }.map(\.scope)
        let unexpected = probes.filter { !$0.missing && $0.error != nil && !$0.granted }
        let missingBackups = backupScopes.filter(missing.contains)
        let missingResources = missing.filter { !backupScopes.contains($0) }
        if !missingBackups.isEmpty {
            add(DoctorCheck("scopes", .fail, "the key lacks \(missingBackups.joined(separator: ", "))",
                            hint: "add them to the key in the Appwrite Console (Overview → Integrations → API keys)"))
        } else if let odd = unexpected.first {
            add(DoctorCheck("scopes", .warn, "\(odd.scope): \(odd.error!.message)"))
        } else if !missingResources.isEmpty {
            add(DoctorCheck("scopes", .warn, "every Backups scope; not \(missingResources.joined(separator: ", ")) (rotate, audit and resources.* need them)",
                            hint: "add them to the key if scripts list resources"))
        } else {
            add(DoctorCheck("scopes", .pass, backupScopes.joined(separator: " ") + " databases.read buckets.read functions.read"))
        }

        // The clock and the round trip.
        if let date = answer.headers.first(name: "date").flatMap(HTTPDate.parse) {
            let skew = Date().timeIntervalSince(date)
            let words = String(format: "%+.0f s against the server's", skew)
            let status: DoctorCheck.Status = abs(skew) > 300 ? .fail : abs(skew) > 5 ? .warn : .pass
            add(DoctorCheck("clock", status, "this machine is \(words)", hint: status == .pass ? nil : "synchronise this machine's clock (NTP, e.g. timedatectl set-ntp true); schedules are in UTC on the server"))
        } else {
            add(DoctorCheck("clock", .skip, "the server sent no Date header"))
        }
        var samples = [roundTrip]
        for _ in 0..<2 {
            let t = ContinuousClock.now
            _ = try? await client.probe(health)
            samples.append(milliseconds(since: t))
        }
        samples.sort()
        let median = samples[1]
        add(DoctorCheck("latency", median > 1000 ? .warn : .pass, String(format: "%.0f ms round trip (median of 3)", median),
                        hint: median > 1000 ? "far from the server: raise --concurrency to keep throughput" : nil))
        return report
    }

    struct ScopeProbe: Sendable {
        let scope: String
        let error: BackupsError?
        var missing: Bool { error?.missingScope == scope || (error?.code == 401 && error?.missingScope != nil) }
        /// A write probe answered 400 (refused the empty body after the scope check): granted.
        var granted: Bool { error == nil || error?.code == 400 }
    }

    static let probedScopes = ["policies.read", "archives.read", "restorations.read", "policies.write", "archives.write",
                               "restorations.write", "databases.read", "buckets.read", "functions.read"]

    static func probeScopes(_ client: BackupsClient) async -> [ScopeProbe] {
        var results: [ScopeProbe] = []
        for scope in probedScopes {
            guard let request = Preflight.probe(scope: scope) else { continue }
            do {
                let answer = try await client.probe(request)
                if (200..<300).contains(answer.status) {
                    results.append(ScopeProbe(scope: scope, error: nil))
                } else {
                    results.append(ScopeProbe(scope: scope, error: BackupsError.from(status: answer.status, body: answer.body,
                                                                                      contentType: answer.headers.first(name: "content-type"))))
                }
            } catch {
                switch error {
                case .status(let e, _), .transport(let e, _): results.append(ScopeProbe(scope: scope, error: e))
                }
            }
        }
        return results
    }

    static func resolve(_ host: String, _ port: Int) async throws -> [SocketAddress] {
        try await Task.detached {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { throw BackupsError.argument("unknown host") }
            defer { freeaddrinfo(list) }
            var out: [SocketAddress] = []
            var node: UnsafeMutablePointer<addrinfo>? = first
            while let n = node {
                if let address = n.pointee.ai_addr {
                    switch Int32(n.pointee.ai_family) {
                    case AF_INET:
                        address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { out.append(SocketAddress($0.pointee, host: host)) }
                    case AF_INET6:
                        address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { out.append(SocketAddress($0.pointee, host: host)) }
                    default: break
                    }
                }
                node = n.pointee.ai_next
            }
            return out
        }.value
    }

    /// nil when a connection to one of the addresses opened; else why not.
    static func connect(_ addresses: [SocketAddress], timeout: Double) async -> String? {
        var why = "did not answer"
        for address in addresses {
            do {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connectTimeout(.milliseconds(Int64(timeout * 1000)))
                    .connect(to: address).get()
                try? await channel.close()
                return nil
            } catch {
                let text = String(reflecting: error)
                why = text.contains("refused") || text.contains("111") ? "refused the connection"
                    : text.contains("imeout") ? "did not accept a connection within \(Int(timeout)) s" : "cannot be reached"
            }
        }
        return why
    }

    static func elapsed(since start: ContinuousClock.Instant) -> String {
        String(format: "%.0f ms", milliseconds(since: start))
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
