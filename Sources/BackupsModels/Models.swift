import BkupJSON
import Foundation

// The three records of the Backups service. Each type is the one home of its record's shape:
// its coding keys read the wire, and `json` writes it (the emulator's answers and a dry run's
// planned records both come from here).

public struct BackupPolicy: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var createdAt: Date
    public var updatedAt: Date
    public var services: [String]
    public var resourceId: String?
    public var resourceType: String?
    public var retention: Int
    public var schedule: String
    public var type: String
    public var enabled: Bool

    public init(id: String, name: String, createdAt: Date, updatedAt: Date, services: [String], resourceId: String?,
                resourceType: String?, retention: Int, schedule: String, type: String = "full", enabled: Bool)
    {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.services = services
        self.resourceId = resourceId
        self.resourceType = resourceType
        self.retention = retention
        self.schedule = schedule
        self.type = type
        self.enabled = enabled
    }

    /// The resources covered: the one resource, or none for a project-wide policy.
    public var resources: [String] { resourceId.map { [$0] } ?? [] }

    enum CodingKeys: String, CodingKey {
        case id = "$id", name, createdAt = "$createdAt", updatedAt = "$updatedAt", services, resources
        case resourceId, resourceType, retention, schedule, type, enabled
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
        services = try c.decode([String].self, forKey: .services)
        resourceId = try c.decodeIfPresent(String.self, forKey: .resourceId)
        resourceType = try c.decodeIfPresent(String.self, forKey: .resourceType)
        retention = try c.decode(Int.self, forKey: .retention)
        schedule = try c.decode(String.self, forKey: .schedule)
        type = try c.decodeIfPresent(String.self, forKey: .type) ?? "full"
        enabled = try c.decode(Bool.self, forKey: .enabled)
    }

    public func encode(to encoder: any Encoder) throws { try json.encode(to: encoder) }

    public var json: JSONValue {
        .object([
            "$id": .string(id), "name": .string(name),
            "$createdAt": .string(WireDate.format(createdAt)), "$updatedAt": .string(WireDate.format(updatedAt)),
            "services": .strings(services), "resources": .strings(resources),
            "resourceId": .optional(resourceId), "resourceType": .optional(resourceType),
            "retention": .integer(Int64(retention)), "schedule": .string(schedule), "type": .string(type),
            "enabled": .bool(enabled),
        ])
    }
}

public struct BackupArchive: Codable, Sendable, Hashable {
    public var id: String
    public var createdAt: Date
    public var updatedAt: Date
    /// The policy that made it; "" for an archive made by hand (Appwrite fills the required
    /// attribute with its default, and the official SDKs refuse null here).
    public var policyId: String
    public var size: Int?
    public var status: ArchiveStatus
    public var startedAt: Date?
    public var migrationId: String
    public var services: [String]
    public var resourceId: String?
    public var resourceType: String?

    public init(id: String, createdAt: Date, updatedAt: Date, policyId: String, size: Int?, status: ArchiveStatus,
                startedAt: Date?, migrationId: String, services: [String], resourceId: String?, resourceType: String?)
    {
        self.id = id
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.policyId = policyId
        self.size = size
        self.status = status
        self.startedAt = startedAt
        self.migrationId = migrationId
        self.services = services
        self.resourceId = resourceId
        self.resourceType = resourceType
    }

    public var resources: [String] { resourceId.map { [$0] } ?? [] }

    enum CodingKeys: String, CodingKey {
        case id = "$id", createdAt = "$createdAt", updatedAt = "$updatedAt", policyId, size, status, startedAt
        case migrationId, services, resources, resourceId, resourceType
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
        policyId = try c.decodeIfPresent(String.self, forKey: .policyId) ?? ""
        size = try c.decodeIfPresent(Int.self, forKey: .size)
        status = try c.decode(ArchiveStatus.self, forKey: .status)
        startedAt = try c.decodeIfPresent(Date.self, forKey: .startedAt)
        migrationId = try c.decodeIfPresent(String.self, forKey: .migrationId) ?? ""
        services = try c.decode([String].self, forKey: .services)
        resourceId = try c.decodeIfPresent(String.self, forKey: .resourceId)
        resourceType = try c.decodeIfPresent(String.self, forKey: .resourceType)
    }

    public func encode(to encoder: any Encoder) throws { try json.encode(to: encoder) }

    public var json: JSONValue {
        .object([
            "$id": .string(id), "$createdAt": .string(WireDate.format(createdAt)),
            "$updatedAt": .string(WireDate.format(updatedAt)), "policyId": .string(policyId),
            "size": size.map { .integer(Int64($0)) } ?? .null, "status": .string(status.rawValue),
            "startedAt": .optional(startedAt.map(WireDate.format)), "migrationId": .string(migrationId),
            "services": .strings(services), "resources": .strings(resources),
            "resourceId": .optional(resourceId), "resourceType": .optional(resourceType),
        ])
    }
}

public struct BackupRestoration: Codable, Sendable, Hashable {
    public var id: String
    public var createdAt: Date
    public var updatedAt: Date
    public var archiveId: String
    /// The archive's policy; "" when the archive was made by hand.
    public var policyId: String
    public var status: RestorationStatus
    public var startedAt: Date?
    public var migrationId: String
    public var services: [String]
    public var resources: [String]
    /// Where the restoration goes: `{"databases": {"database": [{"oldId", "newId", "newName"}]}}`.
    public var options: JSONValue

    public init(id: String, createdAt: Date, updatedAt: Date, archiveId: String, policyId: String, status: RestorationStatus,
                startedAt: Date?, migrationId: String, services: [String], resources: [String], options: JSONValue)
    {
        self.id = id
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.archiveId = archiveId
        self.policyId = policyId
        self.status = status
        self.startedAt = startedAt
        self.migrationId = migrationId
        self.services = services
        self.resources = resources
        self.options = options
    }

    enum CodingKeys: String, CodingKey {
        case id = "$id", createdAt = "$createdAt", updatedAt = "$updatedAt", archiveId, policyId, status, startedAt
        case migrationId, services, resources, options
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        createdAt = try c.decode(Date.self, forKey: .createdAt)
        updatedAt = try c.decode(Date.self, forKey: .updatedAt)
        archiveId = try c.decode(String.self, forKey: .archiveId)
        policyId = try c.decodeIfPresent(String.self, forKey: .policyId) ?? ""
        status = try c.decode(RestorationStatus.self, forKey: .status)
        startedAt = try c.decodeIfPresent(Date.self, forKey: .startedAt)
        migrationId = try c.decodeIfPresent(String.self, forKey: .migrationId) ?? ""
        services = try c.decode([String].self, forKey: .services)
        resources = try c.decodeIfPresent([String].self, forKey: .resources) ?? []
        options = try c.decodeIfPresent(JSONValue.self, forKey: .options) ?? .object([:])
    }

    public func encode(to encoder: any Encoder) throws { try json.encode(to: encoder) }

    public var json: JSONValue {
        .object([
            "$id": .string(id), "$createdAt": .string(WireDate.format(createdAt)),
            "$updatedAt": .string(WireDate.format(updatedAt)), "archiveId": .string(archiveId),
            "policyId": .string(policyId), "status": .string(status.rawValue),
            "startedAt": .optional(startedAt.map(WireDate.format)), "migrationId": .string(migrationId),
            "services": .strings(services), "resources": .strings(resources), "options": options,
        ])
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

extension JSONValue {
    public static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }
    public static func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
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
