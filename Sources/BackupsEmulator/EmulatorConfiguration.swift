#if canImport(Glibc)
import Glibc
#endif

public struct EmulatorConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port.
    public var port = 8080
    /// The SQLite file; nil keeps state in memory.
    public var dataPath: String?
    public var project = "bkup-local"
    public var key: String
    /// Simulated seconds per real second for lifecycles and schedules.
    public var speed = 1.0
    /// Databases to create when the store has no resources yet.
    public var seed = 0
    /// Largest request body accepted.
    public var maxBodyBytes = 1 << 20

    public init(key: String = EmulatorConfiguration.generateKey()) {
        self.key = key
    }

    /// A random API key in Appwrite's style (`standard_` + 128 hex digits... shortened to 64).
    public static func generateKey() -> String {
        var s = "standard_"
        for _ in 0..<64 { s += String(UInt8.random(in: 0..<16), radix: 16) }
        return s
    }
}
