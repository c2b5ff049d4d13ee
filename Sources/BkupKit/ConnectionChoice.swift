import BackupsClient

/// Where a connection goes, as `backups.connect{...}` or a fleet file's project says it: what is
/// not given is the current configuration's. One place for the rules both follow; what a
/// setting may name and where a key may go is the `TrustRule`'s to say.
struct ConnectionChoice {
    var endpoint: String?
    var project: String?
    var key: APIKey?
    var keyFile: String?
    var keyEnv: String?
    var selfSigned: Bool?
    var caFile: String?
    var endpointConcurrency: Int?
    /// Who asked, for `doctor`'s origins ("backups.connect", "the fleet file").
    var origin: String
    /// Who wrote the settings, for the trust rule.
    var author: TrustRule.Author

    /// `base` pointed at this choice. The key never follows to another endpoint: a connection
    /// there needs its own. On the embedded emulator, the project is a project of its own.
    func applied(to base: HostConfiguration) throws(BackupsError) -> HostConfiguration {
        var c = base
        c.trust.bindOperator(of: base)
        let trust = c.trust
        func checked<T>(_ body: () throws(TrustError) -> T) throws(BackupsError) -> T {
            do { return try body() } catch { throw BackupsError.argument(error.description) }
        }
        if let endpoint {
            let given = try checked { () throws(TrustError) in try trust.endpoint(endpoint, by: author) }
            if !TrustRule.sameEndpoint(given, c.endpoint) {
                c.apiKey = nil
                c.keyFile = nil
                c.origins["key"] = nil
            }
            c.endpoint = given
            c.origins["endpoint"] = origin
        }
        if let project {
            c.project = project
            c.origins["project"] = origin
        }
        if let key {
            c.apiKey = key
            c.origins["key"] = origin
        }
        if let keyFile {
            let read = try checked { () throws(TrustError) in try trust.keyFile(keyFile, by: author) }
            c.apiKey = read.key
            c.keyFile = read.path
            c.origins["key"] = "keyFile \(keyFile)"
        } else if let keyEnv {
            c.apiKey = try checked { () throws(TrustError) in try trust.keyVariable(keyEnv, by: author) }
            c.origins["key"] = keyEnv
        }
        if let selfSigned { c.selfSigned = selfSigned }
        if let caFile { c.caFile = try checked { () throws(TrustError) in try trust.file(caFile, setting: "caFile", by: author) } }
        if let endpointConcurrency { c.endpointConcurrency = endpointConcurrency }
        if let endpoint = c.endpoint {
            c.emulatorStarter = nil
            guard c.apiKey != nil else {
                // A file gives no key of its own: only where to find one.
                let ways: String
                if case .file = author { ways = "keyFile or keyEnv" } else { ways = "key, keyFile or keyEnv" }
                throw BackupsError.argument("another endpoint needs its own key (\(ways)): no key for \(endpoint)")
            }
        } else if let project {
            c.emulatorProject = project
        }
        let final = c
        try checked { () throws(TrustError) in
            try trust.checkDestination(key: final.apiKey, endpoint: final.endpoint, selfSigned: final.selfSigned, caFile: final.caFile)
        }
        return c
    }
}
