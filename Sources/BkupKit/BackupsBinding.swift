import BackupsClient
import BackupsModels
import CLua
import CLuaBridge
import LuaRuntime

/// A failure as scripts see it: `err.code`, `err.type`, `err.message`, `tostring(err)`.
final class ErrorBox {
    let error: BackupsError
    init(_ error: BackupsError) { self.error = error }
}

extension BackupsError: LuaErrorConvertible {
    public func pushLuaError(_ stack: LuaStack) {
        stack.push(object: ErrorBox(self), className: "backups.Error")
    }
}

/// Where a host's requests go: resolved on first use, so that a script that never touches
/// the service never starts a client or the emulator.
public struct ServiceEndpoint: Sendable {
    public var endpoint: String
    public var project: String
    public var apiKey: String
    /// A line for the one-time notice ("using the embedded emulator at ...").
    public var notice: String?
    public var isEmulator: Bool
    public init(endpoint: String, project: String, apiKey: String, notice: String? = nil, isEmulator: Bool = false) {
        self.endpoint = endpoint
        self.project = project
        self.apiKey = apiKey
        self.notice = notice
        self.isEmulator = isEmulator
    }
}

/// The `backups` module: every endpoint, records, errors, dry runs.
final class BackupsBinding {
    let configuration: HostConfiguration
    let scheduler: LuaScheduler
    let notice: (String) -> Void
    private var client: BackupsClient?
    private(set) var endpoint: ServiceEndpoint?
    var plan = DryRunPlan()

    init(configuration: HostConfiguration, scheduler: LuaScheduler, notice: @escaping (String) -> Void) {
        self.configuration = configuration
        self.scheduler = scheduler
        self.notice = notice
    }

    func resolve() throws -> ServiceEndpoint {
        if let endpoint { return endpoint }
        let resolved: ServiceEndpoint
        if let url = configuration.endpoint {
            guard let project = configuration.project else {
                throw BackupsError.argument("no project: set --project or APPWRITE_PROJECT_ID")
            }
            guard let key = configuration.apiKey else {
                throw BackupsError.argument("no API key: set --key-file or APPWRITE_API_KEY")
            }
            resolved = ServiceEndpoint(endpoint: url, project: project, apiKey: key)
        } else if let start = configuration.emulatorStarter {
            resolved = try start()
        } else {
            throw BackupsError.argument("no endpoint: set --endpoint or APPWRITE_ENDPOINT")
        }
        if let line = resolved.notice { notice(line) }
        endpoint = resolved
        return resolved
    }

    func theClient() throws -> BackupsClient {
        if let client { return client }
        let e = try resolve()
        var c = ClientConfiguration(endpoint: e.endpoint, project: e.project, apiKey: e.apiKey)
        c.selfSigned = configuration.selfSigned
        if configuration.verbose { c.logger = StderrLog.logger() }
        if let retry = configuration.retry { c.retry = retry }
        c.maxConnections = max(64, configuration.concurrency * 2)
        let made = try BackupsClient(configuration: c)
        client = made
        return made
    }

    func shutdown() {
        client = nil
    }

    /// Sends a request from Lua: the coroutine yields until the answer is there.
    func send(_ call: LuaCall, _ request: BackupsRequest, deliver: @escaping (LuaStack, JSONValue) throws -> Int32) throws -> LuaReturn {
        let client = try theClient()
        return try scheduler.await(call, operation: { try await client.send(request) }, deliver: deliver)
    }

    // MARK: arguments

    static func queries(_ call: LuaCall, _ i: Int32) throws -> [String] {
        if call.isNoneOrNil(i) { return [] }
        if call.type(i) == LUA_TSTRING { return [try call.string(i)] }
        try call.checkTable(i)
        guard case .array(let items) = try call.value(i) else {
            if case .object(let o) = try call.value(i), o.isEmpty { return [] }
            throw LuaArgumentError(index: i, "list of query strings expected")
        }
        return try items.enumerated().map { n, item in
            guard case .string(let s) = item else {
                throw LuaArgumentError(index: i, "query #\(n + 1): string expected, got \(item.typeName)")
            }
            return s
        }
    }

    /// Fields of a table argument, refusing unknown names (a typo must not pass silently).
    struct Fields {
        let index: Int32
        var values: [String: JSONValue]
        let allowed: Set<String>

        init(_ call: LuaCall, _ i: Int32, allowed: Set<String>) throws {
            index = i
            values = try call.object(i)
            self.allowed = allowed
            for key in values.keys.sorted() where !allowed.contains(key) {
                throw LuaArgumentError(index: i, "unknown field '\(key)' (fields: \(allowed.sorted().joined(separator: ", ")))")
            }
        }

        func fail(_ name: String, _ expected: String, _ got: JSONValue) -> LuaArgumentError {
            LuaArgumentError(index: index, "field '\(name)': \(expected) expected, got \(got.typeName)")
        }

        func string(_ name: String, required: Bool = false) throws -> String? {
            guard let v = values[name], !v.isNull else {
                if required { throw LuaArgumentError(index: index, "field '\(name)' is required") }
                return nil
            }
            guard case .string(let s) = v else { throw fail(name, "string", v) }
            return s
        }

        func integer(_ name: String, required: Bool = false) throws -> Int64? {
            guard let v = values[name], !v.isNull else {
                if required { throw LuaArgumentError(index: index, "field '\(name)' is required") }
                return nil
            }
            switch v {
            case .integer(let i): return i
            case .number(let d) where d == d.rounded() && abs(d) < 9e18: return Int64(d)
            default: throw fail(name, "integer", v)
            }
        }

        func bool(_ name: String) throws -> Bool? {
            guard let v = values[name], !v.isNull else { return nil }
            guard case .bool(let b) = v else { throw fail(name, "boolean", v) }
            return b
        }

        func services(_ name: String = "services") throws -> [String] {
            guard let v = values[name], !v.isNull else { throw LuaArgumentError(index: index, "field '\(name)' is required") }
            switch v {
            case .string(let s): return [s]
            case .array(let items):
                return try items.map {
                    guard case .string(let s) = $0 else { throw fail(name, "list of strings", $0) }
                    return s
                }
            default: throw fail(name, "list of services", v)
            }
        }
    }

    // MARK: the module

    func open(_ state: LuaState) throws {
        var errorClass = LuaClass<ErrorBox>(name: "backups.Error")
        errorClass.fields = { box, key, call in
            let e = box.error
            switch key {
            case "code": call.push(Int64(e.code))
            case "type": call.push(e.type)
            case "message": call.push(e.message)
            case "body": if let b = e.body { call.push(b) } else { return false }
            case "mayHaveHappened": call.push(e.mayHaveHappened)
            case "attempts": call.push(Int64(e.attempts))
            default: return false
            }
            return true
        }
        errorClass.tostring = { $0.error.description }
        state.register(errorClass)
        try Records.install(state)

        let s = state.stack
        lua_createtable(state.L, 0, 8)  // backups

        // policies
        s.pushModuleTable([
            "list": { [unowned self] call in try self.list(call, BackupsRequest.listPolicies, key: "policies") },
            "get": { [unowned self] call in try self.get(call, BackupsRequest.getPolicy) },
            "create": { [unowned self] call in try self.createPolicy(call) },
            "update": { [unowned self] call in try self.updatePolicy(call) },
            "delete": { [unowned self] call in try self.delete(call, noun: "policy", get: BackupsRequest.getPolicy, delete: BackupsRequest.deletePolicy) },
        ])
        s.setField(-2, "policies")

        // archives
        s.pushModuleTable([
            "list": { [unowned self] call in try self.list(call, BackupsRequest.listArchives, key: "archives") },
            "get": { [unowned self] call in try self.get(call, BackupsRequest.getArchive) },
            "create": { [unowned self] call in try self.createArchive(call) },
            "delete": { [unowned self] call in try self.delete(call, noun: "archive", get: BackupsRequest.getArchive, delete: BackupsRequest.deleteArchive) },
        ])
        s.setField(-2, "archives")

        // restorations
        s.pushModuleTable([
            "list": { [unowned self] call in try self.list(call, BackupsRequest.listRestorations, key: "restorations") },
            "get": { [unowned self] call in try self.get(call, BackupsRequest.getRestoration) },
            "create": { [unowned self] call in try self.createRestoration(call) },
        ])
        s.setField(-2, "restorations")

        // resources (read-only)
        lua_createtable(state.L, 0, 3)
        for kind in BackupsRequest.ResourceKind.allCases {
            s.pushModuleTable([
                "list": { [unowned self] call in
                    try self.list(call, { q throws(BackupsError) in try BackupsRequest.listResources(kind, q) }, key: kind.rawValue)
                }
            ])
            s.setField(-2, kind.rawValue)
        }
        s.setField(-2, "resources")

        // Emulator controls, for rehearsals: seed resources, move the clock.
        s.pushModuleTable([
            "seed": { [unowned self] call in
                try call.checkTable(1)
                let f = try Fields(call, 1, allowed: ["databases", "buckets", "functions"])
                var body: [String: JSONValue] = [:]
                for k in ["databases", "buckets", "functions"] { body[k] = .integer(try f.integer(k) ?? 0) }
                return try self.send(call, .emulatorControl(.POST, "seed", body: .object(body))) { s, v in s.pushPlain(v); return 1 }
            },
            "advance": { [unowned self] call in
                let seconds = try call.number(1)
                guard seconds >= 0, seconds.isFinite else { throw LuaArgumentError(index: 1, "non-negative number of seconds expected") }
                return try self.send(call, .emulatorControl(.POST, "clock", body: ["advanceSeconds": .number(seconds)])) { s, v in
                    s.push(v["now"] ?? .null); return 1
                }
            },
            "now": { [unowned self] call in
                try self.send(call, .emulatorControl(.GET, "clock")) { s, v in s.push(v["now"] ?? .null); return 1 }
            },
        ])
        s.setField(-2, "emulator")

        s.pushModuleTable([
            "error": { call in
                // backups.error(type, message, code?) -> a backups.Error value (for scripts' own failures)
                let e = BackupsError(code: Int(try call.optionalInteger(3) ?? 0), type: try call.string(1), message: try call.string(2))
                e.pushLuaError(call.stack)
                return .values(1)
            },
            "_config": { [unowned self] call in
                let e = try self.resolve()
                lua_createtable(call.L, 0, 4)
                call.stack.push(.string(e.endpoint)); call.stack.setField(-2, "endpoint")
                call.stack.push(.string(e.project)); call.stack.setField(-2, "project")
                call.stack.push(.bool(e.isEmulator)); call.stack.setField(-2, "emulator")
                call.stack.push(.bool(self.configuration.dryRun)); call.stack.setField(-2, "dryRun")
                return .values(1)
            },
        ])
        // Copy error and _config into the module table.
        for name in ["error", "_config"] {
            s.rawField(-1, name)
            s.setField(-3, name)
        }
        s.pop()
        state.registerModule("backups")
    }

    /// One page of a list: `{total=n, <key>={records...}}`.
    func list(_ call: LuaCall, _ request: ([String]) throws(BackupsError) -> BackupsRequest, key: String) throws -> LuaReturn {
        try send(call, try request(try Self.queries(call, 1))) { s, v in s.pushList(v, key: key); return 1 }
    }

    /// A get that also finds records which exist only in a dry run's plan.
    func get(_ call: LuaCall, _ request: (String) throws(BackupsError) -> BackupsRequest) throws -> LuaReturn {
        let id = try call.string(1)
        if let planned = plan.record(id) {
            call.stack.pushRecord(planned)
            return .values(1)
        }
        return try send(call, try request(id)) { s, v in s.pushRecord(v); return 1 }
    }

    // MARK: mutations (sent, or planned in a dry run)

    func createPolicy(_ call: LuaCall) throws -> LuaReturn {
        try call.checkTable(1)
        let f = try Fields(call, 1, allowed: ["id", "name", "services", "resourceId", "enabled", "retention", "schedule"])
        let p = BackupsRequest.NewPolicy(
            id: try f.string("id"), name: try f.string("name"), services: try f.services(), resourceId: try f.string("resourceId"),
            enabled: try f.bool("enabled"), retention: try f.integer("retention", required: true)!,
            schedule: try f.string("schedule", required: true)!)
        let request = try BackupsRequest.createPolicy(p)
        if configuration.dryRun {
            let record = plan.plannedPolicy(p)
            notice(plan.create(policy: p))
            call.stack.pushRecord(record)
            return .values(1)
        }
        return try send(call, request) { s, v in s.pushRecord(v); return 1 }
    }

    func updatePolicy(_ call: LuaCall) throws -> LuaReturn {
        let id = try call.string(1)
        try call.checkTable(2)
        let f = try Fields(call, 2, allowed: ["name", "retention", "schedule", "enabled"])
        let changes = BackupsRequest.PolicyChanges(name: try f.string("name"), retention: try f.integer("retention"),
                                                   schedule: try f.string("schedule"), enabled: try f.bool("enabled"))
        let request = try BackupsRequest.updatePolicy(id, changes)
        if configuration.dryRun {
            if let planned = plan.record(id) {
                let (line, updated) = plan.update(policy: planned, changes)
                notice(line)
                call.stack.pushRecord(updated)
                return .values(1)
            }
            // Reads still happen: the plan shows the real before and after.
            return try send(call, try BackupsRequest.getPolicy(id)) { [unowned self] s, current in
                let (line, updated) = self.plan.update(policy: current, changes)
                self.notice(line)
                s.pushRecord(updated)
                return 1
            }
        }
        return try send(call, request) { s, v in s.pushRecord(v); return 1 }
    }

    func delete(_ call: LuaCall, noun: String, get: (String) throws(BackupsError) -> BackupsRequest,
                delete: (String) throws(BackupsError) -> BackupsRequest) throws -> LuaReturn
    {
        let id = try call.string(1)
        let request = try delete(id)
        if configuration.dryRun {
            if plan.record(id) != nil {
                notice(plan.delete(noun: noun, id: id))
                call.push(true)
                return .values(1)
            }
            // A delete of something missing fails for real too: check that it exists.
            return try send(call, try get(id)) { [unowned self] s, _ in
                self.notice(self.plan.delete(noun: noun, id: id))
                lua_pushboolean(s.L, 1)
                return 1
            }
        }
        return try send(call, request) { s, _ in lua_pushboolean(s.L, 1); return 1 }
    }

    func createArchive(_ call: LuaCall) throws -> LuaReturn {
        try call.checkTable(1)
        let f = try Fields(call, 1, allowed: ["services", "resourceId"])
        let services = try f.services()
        let resourceId = try f.string("resourceId")
        let request = try BackupsRequest.createArchive(services: services, resourceId: resourceId)
        if configuration.dryRun {
            let (line, record) = plan.create(archive: services, resourceId: resourceId)
            notice(line)
            call.stack.pushRecord(record)
            return .values(1)
        }
        return try send(call, request) { s, v in s.pushRecord(v); return 1 }
    }

    func createRestoration(_ call: LuaCall) throws -> LuaReturn {
        try call.checkTable(1)
        let f = try Fields(call, 1, allowed: ["archiveId", "services", "newResourceId", "newResourceName"])
        let archiveId = try f.string("archiveId", required: true)!
        let services = try f.services()
        let newId = try f.string("newResourceId")
        let newName = try f.string("newResourceName")
        let request = try BackupsRequest.createRestoration(archiveId: archiveId, services: services, newResourceId: newId,
                                                           newResourceName: newName)
        if configuration.dryRun {
            let (line, record) = plan.create(restoration: archiveId, services: services, newResourceId: newId, newResourceName: newName)
            notice(line)
            call.stack.pushRecord(record)
            return .values(1)
        }
        return try send(call, request) { s, v in s.pushRecord(v); return 1 }
    }
}

extension LuaStack {
    /// Pushes a table of Swift functions.
    func pushModuleTable(_ functions: [String: LuaFunction]) {
        lua_createtable(L, 0, Int32(functions.count))
        for (name, fn) in functions {
            push(function: fn)
            setField(-2, name)
        }
    }
}
