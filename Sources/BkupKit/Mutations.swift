import BackupsClient
import BackupsModels
import LuaRuntime

/// Gets and mutations of the `backups` module. They never ask whether this is a dry run: the
/// client's sender plans or sends (see `Planner`).
struct Mutations {
    let connection: ServiceConnection

    private func sendRecord(_ call: LuaCall, _ request: BackupsRequest) throws -> LuaReturn {
        try connection.send(call, request) { s, v in s.pushRecord(v); return 1 }
    }

    func get(_ call: LuaCall, _ request: (String) throws(BackupsError) -> BackupsRequest) throws -> LuaReturn {
        try sendRecord(call, try request(try call.string(1)))
    }

    func createPolicy(_ call: LuaCall) throws -> LuaReturn {
        let f = try Fields(call, 1, allowed: ["id", "name", "services", "resourceId", "enabled", "retention", "schedule"])
        let p = BackupsRequest.NewPolicy(
            id: try f.string("id"), name: try f.string("name"), services: try f.services(), resourceId: try f.string("resourceId"),
            enabled: try f.bool("enabled"), retention: try f.integer("retention", required: true, in: Domains.retention)!,
            schedule: try f.string("schedule", required: true)!)
        return try sendRecord(call, try BackupsRequest.createPolicy(p))
    }

    func updatePolicy(_ call: LuaCall) throws -> LuaReturn {
        let id = try call.string(1)
        let f = try Fields(call, 2, allowed: ["name", "retention", "schedule", "enabled"])
        let changes = BackupsRequest.PolicyChanges(name: try f.string("name"), retention: try f.integer("retention", in: Domains.retention),
                                                   schedule: try f.string("schedule"), enabled: try f.bool("enabled"))
        return try sendRecord(call, try BackupsRequest.updatePolicy(id, changes))
    }

    func delete(_ call: LuaCall, _ delete: (String) throws(BackupsError) -> BackupsRequest) throws -> LuaReturn {
        try connection.send(call, try delete(try call.string(1))) { s, _ in s.push(true); return 1 }
    }

    func createArchive(_ call: LuaCall) throws -> LuaReturn {
        let f = try Fields(call, 1, allowed: ["services", "resourceId"])
        return try sendRecord(call, try BackupsRequest.createArchive(services: try f.services(), resourceId: try f.string("resourceId")))
    }

    func createRestoration(_ call: LuaCall) throws -> LuaReturn {
        let f = try Fields(call, 1, allowed: ["archiveId", "services", "newResourceId", "newResourceName"])
        let request = try BackupsRequest.createRestoration(
            archiveId: try f.string("archiveId", required: true)!, services: try f.services(), newResourceId: try f.string("newResourceId"),
            newResourceName: try f.string("newResourceName"))
        return try sendRecord(call, request)
    }
}
