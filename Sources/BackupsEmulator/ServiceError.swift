import BackupsModels

/// An error the service answers with: `{message, code, type, version}`, HTTP status = code.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    public let code: Int
    public let type: String
    public let message: String
    public init(_ code: Int, _ type: String, _ message: String) {
        self.code = code
        self.type = type
        self.message = message
    }
    public var description: String { "\(type) (\(code)): \(message)" }

    static func argument(_ param: String, _ rule: String) -> ServiceError {
        ServiceError(400, "general_argument_invalid", "Invalid `\(param)` param: \(rule)")
    }
    static func invalid(_ failure: Validation.Failure) -> ServiceError {
        ServiceError(400, "general_argument_invalid", failure.description)
    }
    static func missing(_ param: String) -> ServiceError {
        ServiceError(400, "general_argument_invalid", "Param \"\(param)\" is not optional.")
    }
    static let routeNotFound = ServiceError(
        404, "general_route_not_found", "The requested route was not found. Please refer to the API docs and try again.")
    static func notFound(_ type: String, _ noun: String, _ id: String) -> ServiceError {
        ServiceError(404, type, "\(noun) with the requested ID '\(id)' could not be found.")
    }
}

/// Runs validation rules of BackupsModels, answering a failure as the service does.
func validated(_ body: () throws(Validation.Failure) -> Void) throws(ServiceError) {
    do { try body() } catch { throw ServiceError.invalid(error) }
}
