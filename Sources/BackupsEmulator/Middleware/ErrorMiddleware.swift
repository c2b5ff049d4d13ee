import Hummingbird

/// Every failure answers in Appwrite's error shape: the service's own errors as they are, an
/// unknown route (or method) as `general_route_not_found`, anything else as a 500
/// `general_server_error`. Nothing escapes to the server as an exception.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = EmulatorContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as ServiceError {
            return Answer.error(e)
        } catch let e as HTTPError {
            switch e.status {
            case .notFound, .methodNotAllowed: return Answer.error(.routeNotFound)
            default: return Answer.error(ServiceError(Int(e.status.code), "general_argument_invalid", e.body ?? e.status.reasonPhrase))
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return Answer.error(ServiceError(500, "general_server_error", "Server error: \(error)"))
        }
    }
}
