import BackupsModels
import BkupJSON
import GRDB
import Hummingbird

/// `/v1/backups/restoration` (create, singular as in Appwrite) and `/v1/backups/restorations`.
struct Restorations: Sendable {
    let service: EmulatorService
    static let record: @Sendable (Row) -> JSONValue = { BackupRestoration(row: $0).json }

    func list(_ request: Request, _ context: EmulatorContext) async throws -> Response {
        Answer.json(200, try await service.list(.restorations, try QueryString(request.uri.query), project: context.project,
                                                key: "restorations", record: Self.record))
    }

    func get(_ request: Request, _ context: EmulatorContext) async throws -> Response {
        Answer.json(200, try await service.get(.restorations, id: try context.id("restorationId"), project: context.project,
                                               record: Self.record))
    }

    /// The destination is resolved when the restoration is created, as Appwrite does: a new
    /// database when `newResourceId` is given, else the archived database itself (in place).
    func create(_ request: Request, _ context: EmulatorContext) async throws -> Response {
        let p = try await Params.read(request, limit: service.configuration.maxBodyBytes)
        let archiveId = try p.string("archiveId", .required)!
        let services = try p.strings("services", .required)!
        // Both default to "" in the published API (not nullable): "" is the default, a restore in
        // place and the database's own name.
        var newResourceId = try p.string("newResourceId", .defaulted).flatMap { $0.isEmpty ? nil : $0 }
        let newResourceName = try p.string("newResourceName", .defaulted).flatMap { $0.isEmpty ? nil : $0 }
        try validated { () throws(Validation.Failure) in
            try Validation.id(archiveId, param: "archiveId")
            try Validation.services(services)
            if let n = newResourceId { try Validation.id(n, param: "newResourceId", allowUnique: true) }
            if let n = newResourceName { try Validation.name(n, param: "newResourceName") }
        }
        if newResourceId == ID.uniqueMarker { newResourceId = ID.unique() }
        let requestedId = newResourceId, project = context.project, simulation = service.simulation
        return Answer.json(201, try await service.write { db, now in
            guard let archive = try EmulatorService.row(db, .archives, id: archiveId, project: project) else {
                throw ServiceError.notFound(Schema.archives.notFoundType, "Archive", archiveId)
            }
            let status: String = archive["status"]
            guard status == ArchiveStatus.completed.rawValue else {
                throw ServiceError.argument("archiveId", "archive '\(archiveId)' is \(status); only a completed archive can be restored")
            }
            let source: String? = archive["resourceId"]
            // Restoring onto the archived database is in place; any other existing ID collides.
            let newId = requestedId == source ? nil : requestedId
            if let newId, try Bool.fetchOne(db, sql: "SELECT 1 FROM resources WHERE project = ? AND kind = 'databases' AND id = ?",
                                            arguments: [project, newId]) == true
            {
                throw ServiceError(409, "database_already_exists", "Database with the requested ID '\(newId)' already exists.")
            }
            // The destination is taken when the restoration is created, not when it completes:
            // a second restoration into the same new database collides at once.
            if let newId, try Bool.fetchOne(db, sql: """
                SELECT 1 FROM restorations WHERE project = ? AND newResourceId = ? AND status IN \(Lifecycle.restorations.inProgressSQL)
                """, arguments: [project, newId]) == true
            {
                throw ServiceError(409, "database_already_exists",
                                   "Database with the requested ID '\(newId)' already exists (a restoration into it is in progress).")
            }
            var options: JSONValue = .object([:])
            if let destination = newId ?? source {
                var name = newResourceName
                if name == nil, newId == nil {
                    name = try String.fetchOne(db, sql: "SELECT name FROM resources WHERE project = ? AND kind = 'databases' AND id = ?",
                                               arguments: [project, destination])
                }
                options = .object(["databases": .object(["database": .array([.object([
                    "oldId": .optional(source), "newId": .string(destination),
                    "newName": .string(name ?? "Restored \(destination)"),
                ])])])])
            }
            let id = ID.unique()
            try db.execute(sql: """
                INSERT INTO restorations(project, id, archiveId, policyId, status, migrationId, services, options, newResourceId,
                                         newResourceName, createdAt, updatedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [project, id, archiveId, archive["policyId"] as String?, Lifecycle.restorations.phases[0].status,
                                 ID.unique(), encodeStrings(services), try JSONCodec.encode(options), newId, newResourceName, now, now])
            simulation.lowerNextDue(now + Lifecycle.restorations.firstBoundary)
            return Self.record(try EmulatorService.row(db, .restorations, id: id, project: project)!)
        })
    }
}
