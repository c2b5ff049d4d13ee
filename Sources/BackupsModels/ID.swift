#if canImport(Glibc)
import Glibc
#endif

/// Appwrite IDs: `ID.unique()` in the SDKs' format and the rule the server applies.
public enum ID {
    /// 8 hex digits of seconds, 5 of microseconds, 7 random: 20 characters, roughly ordered by
    /// creation time (as the SDKs' `ID.unique()`).
    public static func unique() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let seconds = String(UInt64(ts.tv_sec), radix: 16)
        let micros = String(UInt64(ts.tv_nsec / 1000), radix: 16)
        let paddedMicros = String(repeating: "0", count: max(0, 5 - micros.count)) + micros
        var random = ""
        for _ in 0..<7 { random += String(UInt8.random(in: 0..<16), radix: 16) }
        return seconds + paddedMicros + random
    }

    /// `ID.custom(id)`: the ID itself (validated where it is used).
    public static func custom(_ id: String) -> String { id }

    /// The literal that asks the server to generate an ID.
    public static let uniqueMarker = "unique()"

    public static let rule =
        "must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char"

    /// `[a-zA-Z0-9][a-zA-Z0-9._-]{0,35}`.
    public static func isValid(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...36).contains(bytes.count) else { return false }
        for (i, b) in bytes.enumerated() {
            let alnum = (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
            if alnum { continue }
            if i > 0 && (b == 46 || b == 45 || b == 95) { continue }
            return false
        }
        return true
    }
}
