import BackupsModels
import BkupJSON

extension BackupsRequest {
    /// The scope an API key needs for this request ("policies.write"); nil for the emulator's
    /// own controls, which no key's scopes cover.
    public var scope: String? {
        let families = [("/backups/policies", "policies"), ("/backups/archives", "archives"), ("/backups/restoration", "restorations"),
                        ("/databases", "databases"), ("/tablesdb", "databases"), ("/storage/buckets", "buckets"), ("/functions", "functions")]
        guard let family = families.first(where: { path.hasPrefix($0.0) })?.1 else { return nil }
        return family + (method == .GET ? ".read" : ".write")
    }
}

/// Whether a key can do what a run is about to do, asked before its first write: the project
/// answers, the key is valid there, and it has each scope. Reads only: a write scope is probed
/// with a create the service refuses before acting (an empty body), so a key without the scope
/// answers 401 and one with it 400.
public enum Preflight {
    /// The request that tells whether a key has `scope`.
    public static func probe(scope: String) -> BackupsRequest? {
        let one = Query.limit(1).description
        switch scope {
        case "policies.read": return BackupsRequest(.GET, "/backups/policies", queries: [one], idempotency: .read, listKey: "policies", noun: "policy")
        case "archives.read": return BackupsRequest(.GET, "/backups/archives", queries: [one], idempotency: .read, listKey: "archives", noun: "archive")
        case "restorations.read":
            return BackupsRequest(.GET, "/backups/restorations", queries: [one], idempotency: .read, listKey: "restorations", noun: "restoration")
        case "policies.write": return BackupsRequest(.POST, "/backups/policies", body: .object([:]), idempotency: .read, noun: "policy")
        case "archives.write": return BackupsRequest(.POST, "/backups/archives", body: .object([:]), idempotency: .read, noun: "archive")
        case "restorations.write":
            return BackupsRequest(.POST, "/backups/restoration", body: .object([:]), idempotency: .read, noun: "restoration")
        case "databases.read": return BackupsRequest(.GET, "/databases", queries: [one], idempotency: .read, listKey: "databases", noun: "database")
        case "buckets.read": return BackupsRequest(.GET, "/storage/buckets", queries: [one], idempotency: .read, listKey: "buckets", noun: "bucket")
        case "functions.read": return BackupsRequest(.GET, "/functions", queries: [one], idempotency: .read, listKey: "functions", noun: "function")
        default: return nil
        }
    }

    /// What the service said to a probe: nil when the key has the scope (a 2xx, or the 400 of a
    /// write probe's empty body), else its error.
    static func answer(_ client: BackupsClient, _ request: BackupsRequest) async -> BackupsError? {
        do {
            _ = try await client.perform(request)
            return nil
        } catch {
            return request.method != .GET && error.code == 400 ? nil : error
        }
    }

    /// Why `client` cannot make requests that need `scopes` (said without the key); nil when it
    /// can. Every scope missing is named, not only the first.
    public static func problem(_ client: BackupsClient, scopes: [String]) async -> String? {
        let project = client.configuration.project
        var missing: [String] = []
        for scope in scopes {
            guard let request = probe(scope: scope) else { continue }
            guard let error = await answer(client, request) else { continue }
            if error.code == 401, error.missingScope != nil {
                missing.append(scope)
            } else if error.type == "project_not_found" {
                return "no project '\(project)' at \(client.configuration.endpoint)"
            } else if error.code == 401 {
                return "the API key is not valid for project '\(project)'"
            } else if error.code == 0 {
                return "does not answer: \(error.message)"
            } else {
                return "\(scope): \(error.message)"
            }
        }
        return missing.isEmpty ? nil : "the key lacks \(missing.joined(separator: ", "))"
    }

    /// The scopes applying `steps` needs: each record's read (the step reads it first) and write.
    public static func scopes(of steps: [Plan.Step]) -> [String] {
        var out: [String] = []
        for step in steps {
            guard let request = try? step.request(), let write = request.scope else { continue }
            let read = write.replacingOccurrences(of: ".write", with: ".read")
            for scope in [read, write] where !out.contains(scope) { out.append(scope) }
        }
        return out
    }
}
