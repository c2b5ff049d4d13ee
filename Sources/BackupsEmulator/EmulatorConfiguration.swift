/// How `bkup serve` (and the embedded emulator) runs.
public struct EmulatorConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port.
    public var port = 8080
    /// The SQLite file; nil keeps state in memory.
    public var dataPath: String?
    /// The projects served, each with its own state. Unknown projects answer 404
    /// `project_not_found`, unless `anyProject` is set.
    public var projects = ["bkup-local"]
    /// Any project name is served (the embedded emulator: a rehearsal names whatever project
    /// the real script names).
    public var anyProject = false
    /// The API keys accepted (for every project), each with its scopes.
    public var keys: [Grant]
    /// Simulated seconds per real second for lifecycles and schedules.
    public var speed = 1.0
    /// Databases to create in each project that has no resources yet.
    public var seed = 0
    /// Largest request body accepted.
    public var maxBodyBytes = 1 << 20
    /// A connection that sends nothing for this long (mid-request included) is closed.
    public var idleTimeoutSeconds: Int64 = 30
    /// Durability of `dataPath`: `.full` syncs every commit to disk before the answer;
    /// `.process` (WAL, synchronous=NORMAL) survives a crash of the process, not of the machine.
    public var durability = Durability.full

    public enum Durability: String, Sendable { case full, process }

    /// Every answer on Appwrite's paths waits this long first, as a real region's round trip
    /// does (for rehearsing, and measuring, a client at scale).
    public var latencyMilliseconds = 0

    /// An API key and what it may do; nil scopes is every scope.
    public struct Grant: Sendable {
        public var secret: String
        public var scopes: Set<String>?
        public init(secret: String, scopes: Set<String>? = nil) {
            self.secret = secret
            self.scopes = scopes
        }
    }

    public init(key: String = EmulatorConfiguration.generateKey()) {
        keys = [Grant(secret: key)]
    }

    /// The first project (the one a single-project server serves).
    public var project: String {
        get { projects.first ?? "bkup-local" }
        set { projects = [newValue] + projects.dropFirst().filter { $0 != newValue } }
    }

    /// The first key's secret.
    public var key: String {
        get { keys.first?.secret ?? "" }
        set { keys = [Grant(secret: newValue)] + keys.dropFirst() }
    }

    /// A random API key in Appwrite's style (`standard_` and 64 hex digits).
    public static func generateKey() -> String {
        var s = "standard_"
        for _ in 0..<64 { s += String(UInt8.random(in: 0..<16), radix: 16) }
        return s
    }
}
