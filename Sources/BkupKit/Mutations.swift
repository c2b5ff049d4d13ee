import BackupsClient
import BackupsModels
import LuaRuntime

/// Gets and mutations of the `backups` module: sent, or planned in a dry run.
struct Mutations {
    let connection: ServiceConnection

    private func sendRecord(_ call: LuaCall, _ request: BackupsRequest) throws -> LuaReturn {
        try connection.send(call, request) { s, v in s.pushRecord(v); return 1 }
    }

    /// A get that also finds records which exist only in a dry run's plan.
    func get(_ call: LuaCall, _ request: (String) throws(BackupsError) -> BackupsRequest) throws -> LuaReturn {
        let id = try call.string(1)
        if let planned = connection.plan.record(id) {
            call.stack.pushRecord(planned)
            return .values(1)
        }
        return try sendRecord(call, try request(id))
    }

    func createPolicy(_ call: LuaCall) throws -> LuaReturn {
        let f = try Fields(call, 1, allowed: ["id", "name", "services", "resourceId", "enabled", "retention", "schedule"])
        let p = BackupsRequest.NewPolicy(
            id: try f.string("id"), name: try f.string("name"), services: try f.services(), resourceId: try f.string("resourceId"),
            enabled: try f.bool("enabled"), retention: try f.integer("retention", required: true)!,
            schedule: try f.string("schedule", required: true)!)
        let request = try BackupsRequest.createPolicy(p)
        if connection.isDryRun {
            let record = connection.plan.plannedPolicy(p)
            connection.notice(connection.plan.create(policy: p))
            call.stack.pushRecord(record)
            return .values(1)
        }
        return try sendRecord(call, request)
    }

    func updatePolicy(_ call: LuaCall) throws -> LuaReturn {
        let id = try call.string(1)
        let f = try Fields(call, 2, allowed: ["name", "retention", "schedule", "enabled"])
        let changes = BackupsRequest.PolicyChanges(name: try f.string("name"), retention: try f.integer("retention"),
                                                   schedule: try f.string("schedule"), enabled: try f.bool("enabled"))
        let request = try BackupsRequest.updatePolicy(id, changes)
        guard connection.isDryRun else { return try sendRecord(call, request) }
        if let planned = connection.plan.record(id) {
            let (line, updated) = connection.plan.update(policy: planned, changes)
            connection.notice(line)
            call.stack.pushRecord(updated)
            return .values(1)
        }
        // Reads still happen: the plan shows the real before and after.
        let connection = self.connection
        return try connection.send(call, try BackupsRequest.getPolicy(id)) { s, current in
            let (line, updated) = connection.plan.update(policy: current, changes)
            connection.notice(line)
            s.pushRecord(updated)
            return 1
        }
    }

    func delete(_ call: LuaCall, noun: String, get: (String) throws(BackupsError) -> BackupsRequest,
                delete: (String) throws(BackupsError) -> BackupsRequest) throws -> LuaReturn
    {
        let id = try call.string(1)
        let request = try delete(id)
        guard connection.isDryRun else {
            return try connection.send(call, request) { s, _ in s.push(true); return 1 }
        }
        if connection.plan.record(id) != nil {
            connection.notice(connection.plan.delete(noun: noun, id: id))
            return call.push(true)
        }
        // A delete of something missing fails for real too: check that it exists.
        let connection = self.connection
        return try connection.send(call, try get(id)) { s, _ in
            connection.notice(connection.plan.delete(noun: noun, id: id))
            s.push(true)
            return 1
        }
    }

    func createArchive(_ call: LuaCall) throws -> LuaReturn {
        let f = try Fields(call, 1, allowed: ["services", "resourceId"])
        let services = try f.services()
        let resourceId = try f.string("resourceId")
        let request = try BackupsRequest.createArchive(services: services, resourceId: resourceId)
        guard connection.isDryRun else { return try sendRecord(call, request) }
        let (line, record) = connection.plan.create(archive: services, resourceId: resourceId)
        connection.notice(line)
        call.stack.pushRecord(record)
        return .values(1)
    }

    func createRestoration(_ call: LuaCall) throws -> LuaReturn {
        let f = try Fields(call, 1, allowed: ["archiveId", "services", "newResourceId", "newResourceName"])
        let archiveId = try f.string("archiveId", required: true)!
        let services = try f.services()
        let newId = try f.string("newResourceId")
        let newName = try f.string("newResourceName")
        let request = try BackupsRequest.createRestoration(archiveId: archiveId, services: services, newResourceId: newId,
                                                           newResourceName: newName)
        guard connection.isDryRun else { return try sendRecord(call, request) }
        let (line, record) = connection.plan.create(restoration: archiveId, services: services, newResourceId: newId,
                                                    newResourceName: newName)
        connection.notice(line)
        call.stack.pushRecord(record)
        return .values(1)
    }
}
