import BkupJSON
import Foundation

/// The services a backup can cover.
public enum ServiceType: String, Codable, Sendable, CaseIterable {
    case databases, tablesdb, documentsdb, vectorsdb, dedicatedDatabases, functions, storage

    /// The resource type a single-resource backup of this service names.
    public var resourceType: String {
        switch self {
        case .databases, .tablesdb, .documentsdb, .vectorsdb, .dedicatedDatabases: return "database"
        case .storage: return "bucket"
        case .functions: return "function"
        }
    }
}

public enum ArchiveStatus: String, Codable, Sendable, CaseIterable {
    case pending, processing, uploading, completed, failed, skipped
    public var isFinal: Bool { self == .completed || self == .failed || self == .skipped }
}

public enum RestorationStatus: String, Codable, Sendable, CaseIterable {
    case pending, downloading, processing, completed, failed
    public var isFinal: Bool { self == .completed || self == .failed }
}

public struct BackupPolicy: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var createdAt: Date
    public var updatedAt: Date
    public var services: [String]
    public var resources: [String]
    public var resourceId: String?
    public var resourceType: String?
    public var retention: Int
    public var schedule: String
    public var type: String?
    public var enabled: Bool

    enum CodingKeys: String, CodingKey {
        case id = "$id", name, createdAt = "$createdAt", updatedAt = "$updatedAt", services, resources
        case resourceId, resourceType, retention, schedule, type, enabled
    }
}

public struct BackupArchive: Codable, Sendable, Hashable {
    public var id: String
    public var createdAt: Date
    public var updatedAt: Date
    public var policyId: String?
    public var size: Int?
    public var status: String
    public var startedAt: Date?
    public var migrationId: String?
    public var services: [String]
    public var resources: [String]
    public var resourceId: String?
    public var resourceType: String?

    enum CodingKeys: String, CodingKey {
        case id = "$id", createdAt = "$createdAt", updatedAt = "$updatedAt", policyId, size, status, startedAt
        case migrationId, services, resources, resourceId, resourceType
    }
}

public struct BackupRestoration: Codable, Sendable, Hashable {
    public var id: String
    public var createdAt: Date
    public var updatedAt: Date
    public var archiveId: String
    public var policyId: String?
    public var status: String
    public var startedAt: Date?
    public var migrationId: String?
    public var services: [String]
    public var resources: [String]
    public var options: JSONValue?

    enum CodingKeys: String, CodingKey {
        case id = "$id", createdAt = "$createdAt", updatedAt = "$updatedAt", archiveId, policyId, status, startedAt
        case migrationId, services, resources, options
    }
}

/// A database, bucket or function as the read-only list endpoints return it.
public struct Resource: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var createdAt: Date?
    public var updatedAt: Date?
    public var enabled: Bool?
    public var type: String?

    enum CodingKeys: String, CodingKey {
        case id = "$id", name, createdAt = "$createdAt", updatedAt = "$updatedAt", enabled, type
    }
}

public struct ItemList<Item: Codable & Sendable>: Sendable {
    public var total: Int
    public var items: [Item]
    public init(total: Int, items: [Item]) {
        self.total = total
        self.items = items
    }
}

/// Appwrite's error body.
public struct ErrorBody: Codable, Sendable, Hashable {
    public var message: String
    public var code: Int
    public var type: String
    public var version: String
    public init(message: String, code: Int, type: String, version: String = ErrorBody.serverVersion) {
        self.message = message
        self.code = code
        self.type = type
        self.version = version
    }
    public static let serverVersion = "1.9.5"
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .integer(let i): try c.encode(i)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}
