import BackupsModels
import BkupJSON
import GRDB
import Hummingbird

/// `/v1/backups/policies`.
struct Policies: Sendable {
    let service: EmulatorService
    static let record: @Sendable (Row) -> JSONValue = { BackupPolicy(row: $0).json }

    func list(_ request: Request, _ context: EmulatorContext) async throws -> Response {
        Answer.json(200, try await service.list(.policies, try QueryString(request.uri.query), project: context.project,
                                                key: "policies", record: Self.record))
    }

    func get(_ request: Request, _ context: EmulatorContext) async throws -> Response {
        Answer.json(200, try await service.get(.policies, id: try context.id("policyId"), project: context.project, record: Self.record))
    }

    func delete(_ request: Request, _ context: EmulatorContext) async throws -> Response {
        try await service.delete(.policies, id: try context.id("policyId"), project: context.project)
        return Answer.noContent
    }

    func create(_ request: Request, _ context: EmulatorContext) async throws -> Response {
        let p = try await Params.read(request, limit: service.configuration.maxBodyBytes)
        // Presence as the published API declares it: name and enabled have defaults and are not
        // nullable, resourceId is nullable, the rest are required.
        var id = try p.string("policyId", .required)!
        let name = try p.string("name", .defaulted) ?? ""
        let services = try p.strings("services", .required)!
        let resourceId = try p.string("resourceId", .nullable)
        let enabled = try p.bool("enabled", .defaulted) ?? true
        let retention = try p.integer("retention", .required, in: Domains.retention)!
        let schedule = try p.string("schedule", .required)!
        try validated { () throws(Validation.Failure) in
            try Validation.id(id, param: "policyId", allowUnique: true)
            try Validation.name(name)
            try Validation.services(services)
            if let r = resourceId { try Validation.id(r, param: "resourceId") }
            try Validation.schedule(schedule)
        }
        if id == ID.uniqueMarker { id = ID.unique() }
        let finalID = id, project = context.project, simulation = service.simulation
        return Answer.json(201, try await service.write { db, now in
            let resourceType = try resourceId.map { try EmulatorService.resourceType(db, project: project, $0, services: services) }
            if try EmulatorService.row(db, .policies, id: finalID, project: project) != nil {
                throw ServiceError(409, "backup_policy_already_exists", "Policy with the requested ID '\(finalID)' already exists.")
            }
            let next = enabled ? Simulation.nextRun(schedule, after: now) : nil
            try db.cachedStatement(sql: """
                INSERT INTO policies(project, id, name, createdAt, updatedAt, services, resourceId, resourceType, retention, schedule, enabled, nextRunAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [project, finalID, name, now, now, encodeStrings(services), resourceId, resourceType, retention,
                                 schedule, enabled, next])
            if let next { simulation.lowerNextDue(next) }
            return Self.record(try EmulatorService.row(db, .policies, id: finalID, project: project)!)
        })
    }

    func update(_ request: Request, _ context: EmulatorContext) async throws -> Response {
        let id = try context.id("policyId")
        let p = try await Params.read(request, limit: service.configuration.maxBodyBytes)
        // Null leaves name, retention and enabled as they are (nullable in the published API);
        // schedule is not nullable.
        let name = try p.string("name", .nullable)
        let retention = try p.integer("retention", .nullable, in: Domains.retention)
        let schedule = try p.string("schedule", .defaulted)
        let enabled = try p.bool("enabled", .nullable)
        try validated { () throws(Validation.Failure) in
            if let name { try Validation.name(name) }
            if let schedule { try Validation.schedule(schedule) }
        }
        let project = context.project, simulation = service.simulation
        return Answer.json(200, try await service.write { db, now in
            guard let row = try EmulatorService.row(db, .policies, id: id, project: project) else {
                throw ServiceError.notFound(Schema.policies.notFoundType, "Policy", id)
            }
            typealias C = PolicyColumn
            let newSchedule = schedule ?? row[C.schedule]
            let newEnabled = enabled ?? row[C.enabled]
            var next: Int64? = row[C.nextRunAt]
            if schedule != nil || enabled != nil { next = newEnabled ? Simulation.nextRun(newSchedule, after: now) : nil }
            try db.cachedStatement(sql: """
                UPDATE policies SET name = ?, retention = ?, schedule = ?, enabled = ?, nextRunAt = ?, updatedAt = ? WHERE seq = ?
                """).execute(arguments: [name ?? row[C.name], retention ?? row[C.retention], newSchedule, newEnabled, next, now,
                                 row[C.seq] as Int64])
            if let next { simulation.lowerNextDue(next) }
            if let retention, Int64(retention) != (row[C.retention] as Int64) {
                try simulation.applyRetention(db, project: project, policyId: id, retention: Int64(retention), at: now)
            }
            // The answer is the row as written, without reading it back.
            var policy = BackupPolicy(row: row)
            if let name { policy.name = name }
            if let retention { policy.retention = Int(retention) }
            policy.schedule = newSchedule
            policy.enabled = newEnabled
            policy.updatedAt = Millis.date(now)
            return policy.json
        })
    }
}
