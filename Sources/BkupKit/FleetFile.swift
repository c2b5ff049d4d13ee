import BackupsClient
import BackupsModels
import BkupJSON
import Foundation
import LuaRuntime

/// A fleet: the projects a job runs across, from a JSON file or a Lua file returning the same
/// table. Top-level settings are every project's defaults:
///
///     {"endpoint": "https://cloud.appwrite.io/v1", "keyFile": "keys/default",
///      "projects": [{"name": "eu-prod", "project": "6650…", "keyFile": "keys/eu-prod"},
///                   {"name": "staging", "project": "staging", "endpoint": "https://staging.example/v1"}]}
///
/// Keys come from files (`keyFile`, relative to the fleet file) or the environment (`keyEnv`),
/// never from the fleet file itself, and only as the `TrustRule` allows: a fleet file is a file
/// other people may write. Unknown settings are errors, so a typo is not a default. The settings
/// are kept as written; the rule resolves them.
public struct FleetMember: Sendable, Equatable {
    public var name: String
    public var endpoint: String?
    public var project: String
    public var keyFile: String?
    public var keyEnv: String?
    public var selfSigned: Bool?
    public var caFile: String?
}

public struct FleetFile: Sendable {
    /// The file, as named, and its folder (symlinks resolved), where its key files may be.
    public var path: String
    public var folder: String
    public var members: [FleetMember]
    /// Requests in flight to one endpoint at most, across the whole fleet.
    public var endpointConcurrency: Int?

    static let settings: Set<String> = ["endpoint", "keyFile", "keyEnv", "selfSigned", "caFile"]

    /// Reads a fleet file; a Lua one is evaluated as configuration (`LuaConfiguration`), within
    /// `budget`. Every failure names the file.
    /// The longest setting a fleet file may give (an endpoint URL, a path, a name).
    static let settingLimit = 2048

    /// Characters that change how a text prints rather than print: C0 and C1 controls, DEL, the
    /// Unicode line and paragraph separators, and the bidirectional overrides and isolates.
    static func disguises(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// A fleet of thousands of projects is well under a megabyte; a file is read no further.
    public static let sizeLimit = 16 << 20

    public static func read(_ path: String, budget: LuaConfiguration.Budget = .init()) throws -> FleetFile {
        let value: JSONValue
        if path.hasSuffix(".lua") {
            do { value = try LuaConfiguration.evaluate(file: path, budget: budget) } catch let error as LuaError {
                throw FleetError(error.message.hasPrefix(path) ? error.message : "\(path): \(error.message)")
            } catch {
                throw FleetError("\(path): \(error)")
            }
        } else {
            let bytes: [UInt8]
            do { bytes = try BoundedFile.read(path, limit: Self.sizeLimit) } catch {
                switch error {
                case .cannotRead: throw FleetError("\(path): cannot read the fleet file")
                case .tooLarge(let limit): throw FleetError("\(path): the fleet file is larger than \(BoundedFile.words(limit))")
                }
            }
            do { value = try JSONCodec.decode(bytes, limits: .init(refuseDuplicateKeys: true)) } catch {
                let (line, column) = position(of: error.offset, in: bytes)
                throw FleetError("\(path):\(line):\(column): not JSON: \(error.reason) (line \(line), column \(column))")
            }
        }
        let given = (path as NSString).deletingLastPathComponent
        guard let folder = TrustRule.resolved(given.isEmpty ? "." : given) else { throw FleetError("\(path): cannot find the file's folder") }
        return try parse(value, name: path, folder: folder)
    }

    /// The line and column (from 1, in characters) of a byte offset.
    static func position(of offset: Int, in bytes: [UInt8]) -> (Int, Int) {
        let before = bytes.prefix(max(0, min(offset, bytes.count)))
        let line = before.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        let start = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        return (line, String(decoding: before[start...], as: UTF8.self).count + 1)
    }

    static func parse(_ value: JSONValue, name file: String, folder: String) throws -> FleetFile {
        guard case .object(let top) = value else { throw FleetError("\(file): a fleet is an object with \"projects\"") }
        let unknown = Set(top.keys).subtracting(settings.union(["projects", "endpointConcurrency"]))
        guard unknown.isEmpty else { throw FleetError("\(file): unknown setting \(unknown.sorted().joined(separator: ", "))") }
        guard case .array(let projects)? = top["projects"], !projects.isEmpty else {
            throw FleetError("\(file): \"projects\" must be a non-empty list")
        }
        func string(_ o: [String: JSONValue], _ key: String, _ where_: String) throws -> String? {
            guard let v = o[key] ?? top[key] else { return nil }
            guard case .string(let s) = v, !s.isEmpty else { throw FleetError("\(where_): \(key) must be a non-empty string") }
            // A line break would be a header of its own, an escape a command to the terminal; a
            // C1 control (U+009B is CSI), a Unicode line separator or a direction override
            // disguises what a reviewer and the summary table read.
            guard !s.unicodeScalars.contains(where: Self.disguises) else {
                throw FleetError("\(where_): \(key) must be printable text (no line break, tab, control or direction character)")
            }
            guard s.utf8.count <= Self.settingLimit else {
                throw FleetError("\(where_): \(key) is longer than \(Self.settingLimit) bytes")
            }
            return s
        }
        var members: [FleetMember] = []
        var names = Set<String>()
        for (i, entry) in projects.enumerated() {
            let place = "\(file): projects[\(i + 1)]"
            guard case .object(let o) = entry else { throw FleetError("\(place) must be an object") }
            let extra = Set(o.keys).subtracting(settings.union(["name", "project"]))
            guard extra.isEmpty else { throw FleetError("\(place): unknown setting \(extra.sorted().joined(separator: ", "))") }
            guard let project = try string(o, "project", place) else { throw FleetError("\(place): project is missing") }
            let name = try string(o, "name", place) ?? project
            guard names.insert(name).inserted else { throw FleetError("\(place): the name \(name) is used twice") }
            var selfSigned: Bool?
            if let v = o["selfSigned"] ?? top["selfSigned"] {
                guard case .bool(let b) = v else { throw FleetError("\(place): selfSigned must be true or false") }
                selfSigned = b
            }
            members.append(FleetMember(name: name, endpoint: try string(o, "endpoint", place), project: project,
                                       keyFile: try string(o, "keyFile", place), keyEnv: try string(o, "keyEnv", place),
                                       selfSigned: selfSigned, caFile: try string(o, "caFile", place)))
        }
        var endpointConcurrency: Int?
        if let v = top["endpointConcurrency"] {
            do { endpointConcurrency = Int(try Domains.positiveCount(upTo: 10_000).read(v)) } catch {
                throw FleetError("\(file): endpointConcurrency must be a whole number from 1 to 10000, got \(OutsideNumber(v)?.description ?? v.typeName)")
            }
        }
        return FleetFile(path: file, folder: folder, members: members, endpointConcurrency: endpointConcurrency)
    }

    /// The host configuration of one member: `base` (limits, dry run, and the endpoint and key
    /// of the command line where the fleet file gives none) with its connection, as the trust
    /// rule allows it.
    public func configuration(for member: FleetMember, base: HostConfiguration) throws -> HostConfiguration {
        let choice = ConnectionChoice(endpoint: member.endpoint, project: member.project, keyFile: member.keyFile, keyEnv: member.keyEnv,
                                      selfSigned: member.selfSigned, caFile: member.caFile, endpointConcurrency: endpointConcurrency,
                                      origin: "the fleet file", author: .file(folder: folder, name: path))
        do throws(BackupsError) { return try choice.applied(to: base) } catch { throw FleetError("project \(member.name): \(error.message)") }
    }

    /// Every member's configuration, or one error naming every project refused and why (so that
    /// one run shows them all). Nothing is sent either way.
    public func configurations(base: HostConfiguration) throws -> [HostConfiguration] {
        var configurations: [HostConfiguration] = []
        var problems: [String] = []
        for member in members {
            do { configurations.append(try configuration(for: member, base: base)) } catch { problems.append("\(error)") }
        }
        guard problems.isEmpty else {
            throw FleetError("\(path): " + (problems.count == 1 ? problems[0] : "\(problems.count) projects refused:\n  " + problems.joined(separator: "\n  "))
                             + "\nnothing was sent")
        }
        return configurations
    }
}

public struct FleetError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// `backups._fleet(path)`: one connection per member (as `backups.connect` makes them, each
/// checked by the trust rule as the fleet file's), with its name, for the prelude's `backups.fleet`.
enum FleetBinding {
    static func function(_ connection: ServiceConnection, progress: @escaping PageCursor.Progress) -> LuaFunction {
        { call in
            let path = try call.string(1)
            guard !connection.configuration.sandbox else { throw LuaArgumentError(index: 1, "fleet files are not available in the sandbox") }
            let configurations: [HostConfiguration]
            let fleet: FleetFile
            do {
                fleet = try FleetFile.read(path)
                configurations = try fleet.configurations(base: connection.configuration)
            } catch { throw BackupsError.argument("\(error)") }
            call.stack.pushTable(fields: 0)
            for (i, (member, configuration)) in zip(fleet.members, configurations).enumerated() {
                call.stack.pushTable(fields: 2)
                call.stack.push(.string(member.name))
                call.stack.setField(-2, "name")
                ConnectBinding.push(configuration, parent: connection, on: call.stack, progress: progress)
                call.stack.setField(-2, "conn")
                call.stack.setIndex(-2, i + 1)
            }
            return .values(1)
        }
    }
}
