import BackupsClient
import BackupsModels
import LuaRuntime

/// The `backups` module's Swift half: one table of functions per connection, for every
/// endpoint of the service, plus the vocabulary. The Lua half (stdlib/backups/_prelude.lua)
/// adds waiting, the library and `config`.
enum BackupsModule {
    /// Pushes the module table for `connection`.
    static func push(_ connection: ServiceConnection, on stack: LuaStack, progress: @escaping PageCursor.Progress) {
        func list(_ key: String, _ request: @escaping ([String]) throws(BackupsError) -> BackupsRequest) -> [String: LuaFunction] {
            [
                "list": { call in
                    var page = try request(try Fields.queries(call, 1))
                    if !call.isNoneOrNil(2) { page.total = try Fields(call, 2, allowed: ["total"]).bool("total") }
                    return try connection.send(call, page) { s, v in
                        s.pushList(v, key: key)
                        return 1
                    }
                },
                "each": { call in
                    let cursor = PageCursor(queries: try Fields.queries(call, 1), key: key, connection: connection,
                                            progress: progress, request: request)
                    call.stack.push(function: { try cursor.next($0) })
                    return .values(1)
                },
            ]
        }
        let mutations = Mutations(connection: connection)
        stack.pushTable(fields: 12)

        stack.pushModuleTable(list("policies", BackupsRequest.listPolicies).merging([
            "get": { try mutations.get($0, BackupsRequest.getPolicy) },
            "create": { try mutations.createPolicy($0) },
            "update": { try mutations.updatePolicy($0) },
            "delete": { try mutations.delete($0, BackupsRequest.deletePolicy) },
        ]) { a, _ in a })
        stack.setField(-2, "policies")

        stack.pushModuleTable(list("archives", BackupsRequest.listArchives).merging([
            "get": { try mutations.get($0, BackupsRequest.getArchive) },
            "create": { try mutations.createArchive($0) },
            "delete": { try mutations.delete($0, BackupsRequest.deleteArchive) },
        ]) { a, _ in a })
        stack.setField(-2, "archives")

        stack.pushModuleTable(list("restorations", BackupsRequest.listRestorations).merging([
            "get": { try mutations.get($0, BackupsRequest.getRestoration) },
            "create": { try mutations.createRestoration($0) },
        ]) { a, _ in a })
        stack.setField(-2, "restorations")

        stack.pushTable(fields: ResourceKind.allCases.count)
        for kind in ResourceKind.allCases {
            stack.pushModuleTable(list(kind.rawValue) { q throws(BackupsError) in try BackupsRequest.listResources(kind, q) })
            stack.push(.string(kind.service.rawValue))
            stack.setField(-2, "service")
            stack.setField(-2, kind.rawValue)
        }
        stack.setField(-2, "resources")

        stack.pushModuleTable(emulatorControls(connection))
        stack.setField(-2, "emulator")

        stack.push(function: { call in
            // backups.error(type, message, code?) -> a backups.Error value (for scripts' own failures)
            let code = call.isNoneOrNil(3) ? 0 : Int(try call.integer(3, in: Domains.count(upTo: 999)))
            let e = BackupsError(code: code, type: try call.string(1), message: try call.string(2))
            e.pushLuaError(call.stack)
            return .values(1)
        })
        stack.setField(-2, "error")

        stack.push(function: { call in
            let e = try connection.resolve()
            call.stack.pushPlain(.object([
                "endpoint": .string(e.endpoint), "project": .string(e.project), "emulator": .bool(e.isEmulator),
                "dryRun": .bool(connection.isDryRun),
            ]))
            return .values(1)
        })
        stack.setField(-2, "_config")

        stack.push(function: { call in
            // backups.plan() -> the dry run's plan so far, as its file would hold it (nil when
            // this is not a dry run).
            guard let planner = connection.configuration.planner else {
                call.stack.pushNil()
                return .values(1)
            }
            call.stack.pushPlain(planner.plan().json)
            return .values(1)
        })
        stack.setField(-2, "plan")

        stack.push(function: DoctorBinding.function(connection))
        stack.setField(-2, "_doctor")

        stack.push(function: ConnectBinding.function(connection, progress: progress))
        stack.setField(-2, "_connect")
        stack.push(function: ConnectBinding.chunk)
        stack.setField(-2, "_chunk")
        stack.push(function: FleetBinding.function(connection, progress: progress))
        stack.setField(-2, "_fleet")

        stack.pushPlain(vocabulary)
        stack.setField(-2, "vocabulary")
    }

    /// The words scripts share with the service (BackupsModels is their one home).
    static let vocabulary: JSONValue = {
        func statuses<S: RawRepresentable<String>>(_ all: [S], inProgress: [S], final: (S) -> Bool) -> JSONValue {
            .object([
                "all": .strings(all.map(\.rawValue)), "inProgress": .strings(inProgress.map(\.rawValue)),
                "final": .object(Dictionary(uniqueKeysWithValues: all.filter(final).map { ($0.rawValue, JSONValue.bool(true)) })),
            ])
        }
        return .object([
            "services": .strings(ServiceType.allCases.map(\.rawValue)),
            "resourceKinds": .strings(ResourceKind.allCases.map(\.rawValue)),
            "archive": statuses(ArchiveStatus.allCases, inProgress: ArchiveStatus.inProgress, final: \.isFinal),
            "restoration": statuses(RestorationStatus.allCases, inProgress: RestorationStatus.inProgress, final: \.isFinal),
        ])
    }()

    /// Emulator controls, for rehearsals: seed resources, move the clock.
    static func emulatorControls(_ connection: ServiceConnection) -> [String: LuaFunction] {
        [
            "seed": { call in
                let f = try Fields(call, 1, allowed: ["databases", "buckets", "functions"])
                var body: [String: JSONValue] = [:]
                for k in ["databases", "buckets", "functions"] { body[k] = .integer(try f.integer(k, in: Domains.count(upTo: 1_000_000)) ?? 0) }
                return try connection.send(call, .emulatorControl(.POST, "seed", body: .object(body))) { s, v in s.pushPlain(v); return 1 }
            },
            "advance": { call in
                let seconds = try call.number(1, in: Domains.clockAdvance)
                return try connection.send(call, .emulatorControl(.POST, "clock", body: ["advanceSeconds": .number(seconds)])) { s, v in
                    s.push(v["now"] ?? .null)
                    return 1
                }
            },
            "now": { call in
                try connection.send(call, .emulatorControl(.GET, "clock")) { s, v in s.push(v["now"] ?? .null); return 1 }
            },
        ]
    }
}

extension LuaStack {
    /// Pushes a table of Swift functions.
    func pushModuleTable(_ functions: [String: LuaFunction]) {
        pushTable(fields: functions.count)
        for (name, fn) in functions {
            push(function: fn)
            setField(-2, name)
        }
    }
}
