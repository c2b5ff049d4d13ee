#if canImport(Glibc)
import Glibc
#endif

public let bkupVersion = "0.1.0"

/// Configuration from the environment (APPWRITE_*) and a key file, under flags given on the
/// command line (flags win).
public enum Environment {
    public struct ConfigurationError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func value(_ name: String) -> String? {
        guard let p = getenv(name) else { return nil }
        let s = String(cString: p)
        return s.isEmpty ? nil : s
    }

    public static func apply(to configuration: inout HostConfiguration, keyFile: String?, ignoreEnvironment: Bool = false) throws {
        if !ignoreEnvironment {
            if configuration.endpoint == nil { configuration.endpoint = value("APPWRITE_ENDPOINT") }
            if configuration.project == nil { configuration.project = value("APPWRITE_PROJECT_ID") }
            if configuration.apiKey == nil { configuration.apiKey = value("APPWRITE_API_KEY") }
            if let s = value("APPWRITE_SELF_SIGNED") {
                configuration.selfSigned = configuration.selfSigned || ["1", "true", "yes"].contains(s.lowercased())
            }
        }
        if let keyFile {
            guard let bytes = readFile(keyFile) else {
                throw ConfigurationError(description: "--key-file: cannot read \(keyFile)")
            }
            let key = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
            guard !key.isEmpty else { throw ConfigurationError(description: "--key-file: \(keyFile) is empty") }
            configuration.apiKey = key
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
