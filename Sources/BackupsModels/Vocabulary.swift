/// The words the service, the client, the emulator and Lua scripts share: services, statuses
/// and their order, resource kinds. Lua sees them as `backups.vocabulary`.

/// The services a backup can cover.
public enum ServiceType: String, Codable, Sendable, CaseIterable {
    case databases, tablesdb, documentsdb, vectorsdb, dedicatedDatabases, functions, storage

    /// The kind of resource a single-resource backup of this service names.
    public var resourceKind: ResourceKind {
        switch self {
        case .databases, .tablesdb, .documentsdb, .vectorsdb, .dedicatedDatabases: return .databases
        case .storage: return .buckets
        case .functions: return .functions
        }
    }

    /// `resourceType` of a policy or archive of one resource of this service.
    public var resourceType: String { resourceKind.resourceType }
}

/// The resources that policies protect, and the read-only lists that name them.
public enum ResourceKind: String, Sendable, CaseIterable {
    case databases, buckets, functions

    /// The list endpoints, newest name first: `/tablesdb` lists the databases since Appwrite 1.8
    /// (SDK 27's `TablesDB.list`), `/databases` before it (and still, deprecated).
    public var paths: [String] {
        switch self {
        case .databases: return ["/tablesdb", "/databases"]
        case .buckets: return ["/storage/buckets"]
        case .functions: return ["/functions"]
        }
    }

    /// The service that backs this kind up.
    public var service: ServiceType {
        switch self {
        case .databases: return .databases
        case .buckets: return .storage
        case .functions: return .functions
        }
    }

    /// `resourceType` as policies and archives name it.
    public var resourceType: String {
        switch self {
        case .databases: return "database"
        case .buckets: return "bucket"
        case .functions: return "function"
        }
    }

    /// The error type of a missing resource of this kind, as Appwrite's own APIs answer.
    public var notFoundType: String {
        switch self {
        case .databases: return "database_not_found"
        case .buckets: return "storage_bucket_not_found"
        case .functions: return "function_not_found"
        }
    }

    /// "Database", "Bucket", "Function": for messages.
    public var noun: String {
        switch self {
        case .databases: return "Database"
        case .buckets: return "Bucket"
        case .functions: return "Function"
        }
    }
}

/// The statuses of an archive: `inProgress` in the order they pass, then a final one.
public enum ArchiveStatus: String, Codable, Sendable, CaseIterable {
    case pending, processing, uploading, completed, failed, skipped
    public static let inProgress: [ArchiveStatus] = [.pending, .processing, .uploading]
    public var isFinal: Bool { !ArchiveStatus.inProgress.contains(self) }
}

/// The statuses of a restoration: `inProgress` in the order they pass, then a final one.
public enum RestorationStatus: String, Codable, Sendable, CaseIterable {
    case pending, downloading, processing, completed, failed
    public static let inProgress: [RestorationStatus] = [.pending, .downloading, .processing]
    public var isFinal: Bool { !RestorationStatus.inProgress.contains(self) }
}
