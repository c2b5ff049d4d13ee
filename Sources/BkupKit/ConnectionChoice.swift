import BackupsClient

/// Where a connection goes, as `backups.connect{...}` or a fleet file's project says it: what is
/// not given is the current configuration's. One place for the rules both follow.
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

    /// `base` pointed at this choice. The key never follows to another endpoint: a connection
    /// there needs its own (a script, or a fleet file from a pull request, cannot send the key
    /// elsewhere). On the embedded emulator, the project is a project of its own.
    func applied(to base: HostConfiguration) throws(BackupsError) -> HostConfiguration {
        var c = base
        if let endpoint, endpoint != c.endpoint {
            c.apiKey = nil
            c.keyFile = nil
            c.origins["key"] = nil
        }
        if let endpoint {
            c.endpoint = endpoint
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
            do { c.apiKey = try APIKey.read(fromFile: keyFile) } catch { throw BackupsError.argument("keyFile \(keyFile): \(error)") }
            c.keyFile = keyFile
            c.origins["key"] = "keyFile \(keyFile)"
        } else if let keyEnv {
            guard let value = ConnectionSettings.variable(keyEnv) else { throw BackupsError.argument("\(keyEnv) is not set") }
            c.apiKey = APIKey(value)
            c.origins["key"] = keyEnv
        }
        if let selfSigned { c.selfSigned = selfSigned }
        if let caFile { c.caFile = caFile }
        if let endpointConcurrency { c.endpointConcurrency = endpointConcurrency }
        if let endpoint = c.endpoint {
            c.emulatorStarter = nil
            guard c.apiKey != nil else {
                throw BackupsError.argument("another endpoint needs its own key (key, keyFile or keyEnv): no key for \(endpoint)")
            }
        } else if let project {
            c.emulatorProject = project
        }
        return c
    }
}
