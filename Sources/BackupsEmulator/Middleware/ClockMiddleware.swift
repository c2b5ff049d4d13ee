import HTTPTypes
import Hummingbird

/// Every answer says what time it is on the service's (simulated) clock. Appwrite's `Date`
/// header is its clock; the emulator's `Date` is written by the HTTP server in real time, so the
/// simulated clock goes in `X-Bkup-Clock` (ISO 8601 with milliseconds). Clients that reason
/// about "created since" (reconciling an ambiguous create) read it.
struct ClockMiddleware: RouterMiddleware {
    typealias Context = EmulatorContext
    let simulation: Simulation
    static let header = HTTPField.Name("X-Bkup-Clock")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[Self.header] = Millis.wire(simulation.now)
        return response
    }
}
