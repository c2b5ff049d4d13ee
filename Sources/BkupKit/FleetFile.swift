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
/// never from the fleet file itself. Unknown settings are errors, so a typo is not a default.
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
    public var members: [FleetMember]
    /// Requests in flight to one endpoint at most, across the whole fleet.
    public var endpointConcurrency: Int?

    static let settings: Set<String> = ["endpoint", "keyFile", "keyEnv", "selfSigned", "caFile"]

    public static func read(_ path: String) throws -> FleetFile {
        let value: JSONValue
        if path.hasSuffix(".lua") {
            let state = try LuaState()
            try state.load(file: path)
            try state.pcall(nargs: 0, nresults: 1)
            value = try state.value(at: -1)
        } else {
            guard let data = FileManager.default.contents(atPath: path) else { throw FleetError("\(path): cannot read the fleet file") }
            do { value = try JSONCodec.decode(Array(data)) } catch { throw FleetError("\(path): not JSON: \(error)") }
        }
        return try parse(value, base: (path as NSString).deletingLastPathComponent, name: path)
    }

    static func parse(_ value: JSONValue, base: String, name file: String) throws -> FleetFile {
        guard case .object(let top) = value else { throw FleetError("\(file): a fleet is an object with \"projects\"") }
        let unknown = Set(top.keys).subtracting(settings.union(["projects", "endpointConcurrency"]))
        guard unknown.isEmpty else { throw FleetError("\(file): unknown setting \(unknown.sorted().joined(separator: ", "))") }
        guard case .array(let projects)? = top["projects"], !projects.isEmpty else {
            throw FleetError("\(file): \"projects\" must be a non-empty list")
        }
        func string(_ o: [String: JSONValue], _ key: String, _ where_: String) throws -> String? {
            guard let v = o[key] ?? top[key] else { return nil }
            guard case .string(let s) = v, !s.isEmpty else { throw FleetError("\(where_): \(key) must be a non-empty string") }
            return s
        }
        func path(_ p: String?) -> String? {
            guard let p else { return nil }
            return p.hasPrefix("/") || base.isEmpty ? p : base + "/" + p
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
                                       keyFile: path(try string(o, "keyFile", place)), keyEnv: try string(o, "keyEnv", place),
                                       selfSigned: selfSigned, caFile: path(try string(o, "caFile", place))))
        }
        var endpointConcurrency: Int?
        if let v = top["endpointConcurrency"] {
            do { endpointConcurrency = Int(try Domains.positiveCount(upTo: 10_000).read(v)) } catch {
                throw FleetError("\(file): endpointConcurrency must be a whole number from 1 to 10000, got \(OutsideNumber(v)?.description ?? v.typeName)")
            }
        }
        return FleetFile(members: members, endpointConcurrency: endpointConcurrency)
    }

    /// The host configuration of one member: `base` (limits, dry run, and the endpoint and key
    /// of the command line where the fleet file gives none) with its connection.
    public func configuration(for member: FleetMember, base: HostConfiguration) throws -> HostConfiguration {
        let choice = ConnectionChoice(endpoint: member.endpoint, project: member.project, keyFile: member.keyFile, keyEnv: member.keyEnv,
                                      selfSigned: member.selfSigned, caFile: member.caFile, endpointConcurrency: endpointConcurrency,
                                      origin: "the fleet file")
        do throws(BackupsError) { return try choice.applied(to: base) } catch { throw FleetError("\(member.name): \(error.message)") }
    }
}

public struct FleetError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// `backups._fleet(path)`: the members as connect settings, for the prelude's `backups.fleet`.
enum FleetBinding {
    static func function(_ connection: ServiceConnection) -> LuaFunction {
        { call in
            let path = try call.string(1)
            guard !connection.configuration.sandbox else { throw LuaArgumentError(index: 1, "fleet files are not available in the sandbox") }
            let fleet: FleetFile
            do { fleet = try FleetFile.read(path) } catch { throw BackupsError.argument("\(error)") }
            call.stack.push(.array(fleet.members.map { m in
                var settings: [String: JSONValue] = ["project": .string(m.project)]
                if let e = m.endpoint { settings["endpoint"] = .string(e) }
                if let k = m.keyFile { settings["keyFile"] = .string(k) }
                if let v = m.keyEnv { settings["keyEnv"] = .string(v) }
                if let s = m.selfSigned { settings["selfSigned"] = .bool(s) }
                if let ca = m.caFile { settings["caFile"] = .string(ca) }
                if let n = fleet.endpointConcurrency { settings["concurrency"] = .integer(Int64(n)) }
                return .object(["name": .string(m.name), "settings": .object(settings)])
            }))
            return .values(1)
        }
    }
}
