import BackupsClient
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The one rule for files other people write: fleet files, plan files, and scripts under
/// `--sandbox`. Every connection they ask for passes here, and nothing a file says widens what
/// the operator gave:
///
/// - A secret is bound to the endpoint it was given for. The operator's key (from `--key-file`,
///   `APPWRITE_API_KEY` or the host's configuration) goes only to the operator's endpoint, with
///   the operator's TLS settings, whatever a file says. It is recognised by its value, so that
///   another variable, another path to the same file, a symlink or a copy holding it (or a
///   longer text containing it) is the same key.
/// - A file names key files only inside its own folder or a folder the operator named
///   (`--key-dir`), after symlinks are resolved; and variables only with the prefix
///   `BKUP_KEY_` or named by the operator (`--key-env`). A sandboxed script names neither.
/// - An endpoint a file gives is a plain http(s) URL: no user info, query or fragment.
///
/// What breaks the rule is refused before anything is sent, naming the setting and the rule,
/// never a secret's value.
public struct TrustRule: Sendable {
    /// Who wrote a connection setting.
    public enum Author: Sendable {
        /// The command line or the embedding program: the operator.
        case command
        /// A script the operator runs (it could read any file or variable itself).
        case script
        /// A script under `--sandbox`: no file, no variable.
        case sandboxedScript
        /// A file such as a fleet file: its own folder (resolved), and its name for messages.
        case file(folder: String, name: String)
    }

    public static let variablePrefix = "BKUP_KEY_"

    /// Folders (resolved) whose key files a file may name, besides its own folder.
    public private(set) var keyFolders: [String] = []
    /// Variables a file may name besides those starting with `variablePrefix`.
    public private(set) var keyVariables: Set<String> = []

    struct OperatorKey: Sendable {
        let value: String
        /// Where it came from ("--key-file", "APPWRITE_API_KEY"), for messages.
        let origin: String
    }
    private var operatorKeys: [OperatorKey] = []
    private var operatorEndpoint: String?
    private var operatorSelfSigned = false
    private var operatorCAFile: String?
    private var bound = false

    public init() {}

    /// `--key-dir DIR`: key files under DIR may be named by a file. Throws when DIR is no folder.
    public mutating func allowKeyFolder(_ path: String) throws(TrustError) {
        var isDirectory: ObjCBool = false
        guard let real = Self.resolved(path), FileManager.default.fileExists(atPath: real, isDirectory: &isDirectory), isDirectory.boolValue
        else { throw TrustError("\(path) is not a folder") }
        keyFolders.append(real)
    }

    /// `--key-env NAME`: a file may name this variable.
    public mutating func allowKeyVariable(_ name: String) throws(TrustError) {
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) })
        else { throw TrustError("'\(name)' is not a variable name") }
        keyVariables.insert(name)
    }

    /// Binds the operator's keys to the operator's endpoint (nil: the embedded emulator) and TLS
    /// settings. The first binding holds: a connection made from a connection keeps the
    /// operator of the first.
    public mutating func bindOperator(keys: [(APIKey, String)], endpoint: String?, selfSigned: Bool, caFile: String?) {
        guard !bound else { return }
        bound = true
        operatorKeys = keys.compactMap { key, origin in
            let value = Self.trimmed(key.value)
            return value.isEmpty ? nil : OperatorKey(value: value, origin: origin)
        }
        operatorEndpoint = endpoint
        operatorSelfSigned = selfSigned
        operatorCAFile = caFile
    }

    /// Binds `configuration`'s own key and endpoint, unless the operator was bound already.
    mutating func bindOperator(of configuration: HostConfiguration) {
        bindOperator(keys: configuration.apiKey.map { [($0, configuration.origins["key"] ?? "the configuration")] } ?? [],
                     endpoint: configuration.endpoint, selfSigned: configuration.selfSigned, caFile: configuration.caFile)
    }

    // MARK: what a setting may name

    /// The key in the key file `path`, read if `author` may name it; and the path as read.
    func keyFile(_ path: String, by author: Author) throws(TrustError) -> (key: APIKey, path: String) {
        let readable = try file(path, setting: "keyFile", by: author)
        do { return (try APIKey.read(fromFile: readable), readable) } catch { throw TrustError("keyFile \(path): \(error.description)") }
    }

    /// A file a setting names (`keyFile`, `caFile`), resolved when a file names it.
    func file(_ path: String, setting: String, by author: Author) throws(TrustError) -> String {
        switch author {
        case .command, .script:
            return path
        case .sandboxedScript:
            throw TrustError("\(setting) is not available in the sandbox")
        case .file(let folder, _):
            let joined = path.hasPrefix("/") ? path : folder + "/" + path
            guard let real = Self.resolved(joined) else { throw TrustError("\(setting) \(path): no such file") }
            guard Self.isInside(real, folder) || keyFolders.contains(where: { Self.isInside(real, $0) }) else {
                let folders = keyFolders.isEmpty ? "no --key-dir was given" : "--key-dir " + keyFolders.joined(separator: ", ")
                throw TrustError("\(setting) \(path) resolves outside the file's folder (\(folder)) and every --key-dir (\(folders)); "
                                 + "a file may name files only there")
            }
            return real
        }
    }

    /// The key in the variable `name`, if `author` may name it.
    func keyVariable(_ name: String, by author: Author) throws(TrustError) -> APIKey {
        switch author {
        case .command, .script:
            break
        case .sandboxedScript:
            throw TrustError("keyEnv is not available in the sandbox")
        case .file:
            guard name.hasPrefix(Self.variablePrefix) || keyVariables.contains(name) else {
                throw TrustError("keyEnv \(name): a file may name only variables starting with \(Self.variablePrefix) or given with --key-env")
            }
        }
        guard let value = ConnectionSettings.variable(name) else { throw TrustError("keyEnv \(name) is not set") }
        return APIKey(value)
    }

    /// An endpoint a setting gives: a file's must be a plain http(s) URL.
    func endpoint(_ text: String, by author: Author) throws(TrustError) -> String {
        if case .command = author { return text }
        // The URL check's own words first: they never echo what stands before an @ (a password).
        if let problem = EndpointURL.problem(text) { throw TrustError("endpoint: \(problem)") }
        guard EndpointIdentity(text) != nil else {
            throw TrustError("endpoint \(text) is not a plain http(s) URL (scheme, host, port and path only: no user name, query, "
                             + "fragment or percent sign in the host)")
        }
        return text
    }

    // MARK: where a key may go

    /// Refuses to send `key` to `endpoint` with these TLS settings when the key is (or holds)
    /// the operator's and this is not the operator's endpoint as the operator set it.
    func checkDestination(key: APIKey?, endpoint: String?, selfSigned: Bool, caFile: String?) throws(TrustError) {
        guard let key, let own = operatorKey(in: key) else { return }
        let there = operatorEndpoint ?? "the embedded emulator"
        guard Self.sameEndpoint(endpoint, operatorEndpoint) else {
            throw TrustError("the key is the operator's (from \(own.origin)), which is sent only to the operator's endpoint (\(there)), "
                             + "not to \(endpoint ?? "the embedded emulator")")
        }
        if selfSigned && !operatorSelfSigned {
            throw TrustError("selfSigned: the operator's key goes to \(there) only with its certificate checked as the operator set it")
        }
        if let caFile, caFile != operatorCAFile {
            throw TrustError("caFile: the operator's key goes to \(there) only with the certificate authorities the operator set")
        }
    }

    /// The operator's key that `key` is or holds.
    private func operatorKey(in key: APIKey) -> OperatorKey? {
        let value = Self.trimmed(key.value)
        return operatorKeys.first { own in
            own.value.utf8.count >= Secrets.minimumLength ? value.contains(own.value) : value == own.value
        }
    }

    // MARK: endpoints

    /// Whether two endpoints are the same by meaning (nil: the embedded emulator). Compared as
    /// `EndpointIdentity`; an endpoint without one is the same only as itself, letter for letter.
    public static func sameEndpoint(_ a: String?, _ b: String?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        if let x = EndpointIdentity(a), let y = EndpointIdentity(b) { return x == y }
        func bare(_ s: String) -> Substring { s.hasSuffix("/") ? s.dropLast() : Substring(s) }
        return bare(a) == bare(b)
    }

    static func trimmed(_ s: String) -> String { s.trimmingCharacters(in: .whitespacesAndNewlines) }

    static func resolved(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    static func isInside(_ path: String, _ folder: String) -> Bool {
        folder == "/" || path == folder || path.hasPrefix(folder + "/")
    }
}

public struct TrustError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
