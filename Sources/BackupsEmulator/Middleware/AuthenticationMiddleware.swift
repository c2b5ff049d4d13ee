import HTTPTypes
import Hummingbird

/// Every request names a project it may act on and carries a valid API key: an unknown project
/// answers 404 `project_not_found`, a missing or wrong key 401. The key's scopes travel on in
/// the context, for the routes to check.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = EmulatorContext
    let configuration: EmulatorConfiguration

    static let projectHeader = HTTPField.Name("X-Appwrite-Project")!
    static let keyHeader = HTTPField.Name("X-Appwrite-Key")!

    /// Appwrite answers its version to anyone: how a client knows it reached Appwrite.
    static let publicPaths: Set<String> = ["/v1/health/version"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.publicPaths.contains(request.uri.path) { return try await next(request, context) }
        let project = request.headers[Self.projectHeader] ?? ""
        guard !project.isEmpty else {
            throw ServiceError(401, "general_unauthorized_scope", "Unauthorized: no project was given (X-Appwrite-Project).")
        }
        guard configuration.anyProject || configuration.projects.contains(project) else {
            throw ServiceError(404, "project_not_found", "Project with the requested ID could not be found.")
        }
        let key = request.headers[Self.keyHeader] ?? ""
        guard !key.isEmpty else {
            throw ServiceError(401, "general_unauthorized_scope", "Unauthorized: no API key was given (X-Appwrite-Key).")
        }
        // Every key is compared, so that the time taken does not tell which one came close.
        var grant: EmulatorConfiguration.Grant?
        for candidate in configuration.keys where constantTimeEqual(key, candidate.secret) { grant = candidate }
        guard let grant else {
            throw ServiceError(401, "general_unauthorized_scope", "Unauthorized: the API key is not valid.")
        }
        var context = context
        context.project = project
        context.scopes = grant.scopes
        return try await next(request, context)
    }
}

/// A route's required scope: 401 `general_unauthorized_scope` naming it, as Appwrite words it.
func require(_ scope: String, _ context: EmulatorContext) throws {
    guard let scopes = context.scopes, !scopes.contains(scope) else { return }
    throw ServiceError(401, "general_unauthorized_scope",
                       "app.\(context.project)@service (role: applications) missing scopes ([\"\(scope)\"])")
}

/// A route group's required scope, checked before any of its routes runs.
struct ScopeMiddleware: RouterMiddleware {
    typealias Context = EmulatorContext
    let scope: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try require(scope, context)
        return try await next(request, context)
    }
}

func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    var diff = UInt8(x.count == y.count ? 0 : 1)
    for i in 0..<max(x.count, y.count) {
        diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
    }
    return diff == 0
}
