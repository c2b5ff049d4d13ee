import BackupsModels
import Hummingbird

/// The read-only lists of the resources that policies protect: `/v1/databases` (and its 1.8+
/// name `/v1/tablesdb`), `/v1/storage/buckets`, `/v1/functions`.
struct Resources: Sendable {
    let service: EmulatorService

    func list(_ kind: ResourceKind) -> @Sendable (Request, EmulatorContext) async throws -> Response {
        { request, context in
            Answer.json(200, try await service.list(.resources(kind), try QueryString(request.uri.query), project: context.project,
                                                    key: kind.rawValue, record: resourceJSON))
        }
    }
}
