import BkupJSON

/// The service's parameter rules, worded so that an error names the parameter and the rule.
/// The client applies them before the network; the emulator applies them as the server does.
public enum Validation {
    public struct Failure: Error, CustomStringConvertible, Sendable, Equatable {
        public let param: String
        public let rule: String
        public var description: String { "Invalid `\(param)` param: \(rule)" }
    }

    public static let maxQueries = 100
    public static let maxQueryLength = 4096
    public static let maxNameLength = 128

    public static func id(_ value: String, param: String, allowUnique: Bool = false) throws(Failure) {
        if allowUnique && value == ID.uniqueMarker { return }
        guard ID.isValid(value) else { throw Failure(param: param, rule: "Parameter " + ID.rule) }
    }

    public static func name(_ value: String, param: String = "name") throws(Failure) {
        guard value.count <= maxNameLength else {
            throw Failure(param: param, rule: "Value must be a valid string and no longer than \(maxNameLength) chars")
        }
        // A NUL cannot be stored and read back whole (SQLite's C strings would cut it): refused
        // rather than cut off silently.
        guard !value.utf8.contains(0) else {
            throw Failure(param: param, rule: "Value must be a valid string without NUL characters")
        }
    }

    public static func services(_ values: [String], param: String = "services") throws(Failure) {
        let allowed = ServiceType.allCases.map(\.rawValue)
        guard !values.isEmpty else {
            throw Failure(param: param, rule: "Value must be a non-empty array of services, one of (\(allowed.joined(separator: ", ")))")
        }
        guard values.count <= 100 else { throw Failure(param: param, rule: "Value must be an array of at most 100 items") }
        for v in values where ServiceType(rawValue: v) == nil {
            throw Failure(param: param, rule: "Unknown service '\(v)': each value must be one of (\(allowed.joined(separator: ", ")))")
        }
    }

    public static func retention(_ value: Int64, param: String = "retention") throws(Failure) {
        guard Domains.retention.contains(.integer(value)) else {
            throw Failure(param: param, rule: "Value must be \(Domains.retention.expected), got \(value)")
        }
    }

    public static func schedule(_ value: String, param: String = "schedule") throws(Failure) {
        do {
            _ = try CronExpression(value)
        } catch {
            throw Failure(param: param, rule: "String must be a valid cron expression: \(error.description)")
        }
    }

    public static func queries(_ values: [String], param: String = "queries") throws(Failure) {
        guard values.count <= maxQueries else {
            throw Failure(param: param, rule: "Value must be an array of at most \(maxQueries) queries, got \(values.count)")
        }
        for (i, q) in values.enumerated() {
            guard q.utf8.count <= maxQueryLength else {
                throw Failure(param: param, rule: "Query #\(i + 1) is longer than \(maxQueryLength) chars")
            }
            do {
                _ = try Query.parse(q)
            } catch {
                throw Failure(param: param, rule: "Query #\(i + 1): \(error.description)")
            }
        }
    }
}
