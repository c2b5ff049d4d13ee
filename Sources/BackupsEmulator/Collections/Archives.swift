import BackupsModels
import BkupJSON
import GRDB
import Hummingbird

/// `/v1/backups/archives`.
struct Archives: Sendable {
    let service: EmulatorService
    static let record: @Sendable (Row) -> JSONValue = { BackupArchive(row: $0).json }

    func list(_ request: Request, _ context: EmulatorContext) async throws -> Response {
        Answer.json(200, try await service.list(.archives, try QueryString(request.uri.query), project: context.project,
                                                key: "archives", record: Self.record))
    }

    func get(_ request: Request, _ context: EmulatorContext) async throws -> Response {
        Answer.json(200, try await service.get(.archives, id: try context.id("archiveId"), project: context.project, record: Self.record))
    }

    func delete(_ request: Request, _ context: EmulatorContext) async throws -> Response {
        try await service.delete(.archives, id: try context.id("archiveId"), project: context.project)
        return Answer.noContent
    }

    func create(_ request: Request, _ context: EmulatorContext) async throws -> Response {
        let p = try await Params.read(request, limit: service.configuration.maxBodyBytes)
        let services = try p.strings("services", .required)!
        let resourceId = try p.string("resourceId", .nullable)
        try validated { () throws(Validation.Failure) in
            try Validation.services(services)
            if let r = resourceId { try Validation.id(r, param: "resourceId") }
        }
        let project = context.project, simulation = service.simulation
        return Answer.json(201, try await service.write { db, now in
            let resourceType = try resourceId.map { try EmulatorService.resourceType(db, project: project, $0, services: services) }
            let id = try simulation.insertArchive(db, project: project, at: now, policyId: nil, services: encodeStrings(services),
                                                  resourceId: resourceId, resourceType: resourceType)
            return Self.record(try EmulatorService.row(db, .archives, id: id, project: project)!)
        })
    }
}
