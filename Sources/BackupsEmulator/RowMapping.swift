import BackupsModels
import BkupJSON
import GRDB

// Rows as the records of BackupsModels (whose `json` is the wire shape). A manual archive has no
// policy: NULL in the table (so that `isNull("policyId")` finds it, as in Appwrite), "" on the
// wire (the official SDKs' models require a string).

extension BackupPolicy {
    init(row: Row) {
        self.init(
            id: row["id"], name: row["name"], createdAt: Millis.date(row["createdAt"]), updatedAt: Millis.date(row["updatedAt"]),
            services: decodeStrings(row["services"]), resourceId: row["resourceId"], resourceType: row["resourceType"],
            retention: row["retention"], schedule: row["schedule"], type: row["type"], enabled: row["enabled"])
    }
}

extension BackupArchive {
    init(row: Row) {
        self.init(
            id: row["id"], createdAt: Millis.date(row["createdAt"]), updatedAt: Millis.date(row["updatedAt"]),
            policyId: row["policyId"] ?? "", size: row["size"], status: ArchiveStatus(rawValue: row["status"]) ?? .failed,
            startedAt: (row["startedAt"] as Int64?).map(Millis.date), migrationId: row["migrationId"],
            services: decodeStrings(row["services"]), resourceId: row["resourceId"], resourceType: row["resourceType"])
    }
}

extension BackupRestoration {
    init(row: Row) {
        self.init(
            id: row["id"], createdAt: Millis.date(row["createdAt"]), updatedAt: Millis.date(row["updatedAt"]),
            archiveId: row["archiveId"], policyId: row["policyId"] ?? "",
            status: RestorationStatus(rawValue: row["status"]) ?? .failed,
            startedAt: (row["startedAt"] as Int64?).map(Millis.date), migrationId: row["migrationId"],
            services: decodeStrings(row["services"]), resources: [],
            options: (try? JSONCodec.decode(row["options"] as String)) ?? .object([:]))
    }
}

/// A database, bucket or function as the list endpoints answer it: the fields the official
/// SDKs' models require, with the values a fresh resource of its kind has.
func resourceJSON(_ row: Row) -> JSONValue {
    let kind = ResourceKind(rawValue: row["kind"]) ?? .databases
    var o: [String: JSONValue] = [
        "$id": .string(row["id"]), "name": .string(row["name"]),
        "$createdAt": .string(Millis.wire(row["createdAt"])), "$updatedAt": .string(Millis.wire(row["updatedAt"])),
        "enabled": .bool(row["enabled"]),
    ]
    switch kind {
    case .databases:
        o["type"] = .string(row["type"] ?? "legacy")
        o["description"] = .string("")
    case .buckets:
        o.merge([
            "$permissions": .array([]), "fileSecurity": .bool(false), "description": .string(""),
            "maximumFileSize": .integer(30_000_000), "allowedFileExtensions": .array([]), "compression": .string("none"),
            "encryption": .bool(true), "antivirus": .bool(true), "transformations": .bool(true), "stripMetadata": .bool(false),
            "totalSize": .integer(0),
        ]) { a, _ in a }
    case .functions:
        o.merge([
            "execute": .array([]), "description": .string(""), "live": .bool(true), "logging": .bool(true),
            "runtime": .string("node-22"), "deploymentRetention": .integer(0), "deploymentId": .string(""),
            "deploymentCreatedAt": .string(""), "latestDeploymentId": .string(""), "latestDeploymentCreatedAt": .string(""),
            "latestDeploymentStatus": .string(""), "scopes": .array([]), "vars": .array([]), "events": .array([]),
            "schedule": .string(""), "timeout": .integer(15), "entrypoint": .string("index.js"), "commands": .string(""),
            "version": .string("v5"), "installationId": .string(""), "providerRepositoryId": .string(""),
            "providerBranch": .string(""), "providerRootDirectory": .string(""), "providerSilentMode": .bool(false),
            "providerBranches": .array([]), "providerPaths": .array([]), "buildSpecification": .string("s-1vcpu-512mb"),
            "runtimeSpecification": .string("s-1vcpu-512mb"), "emailEnabled": .bool(false),
        ]) { a, _ in a }
    }
    return .object(o)
}
