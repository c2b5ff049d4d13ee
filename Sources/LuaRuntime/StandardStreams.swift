import BkupJSON
import CLuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// The process's C stdio streams, shared with Lua's `io` library so output stays in order.
public enum StandardStreams {
    public static func write(_ text: String) { fputs(text, bkup_stdout()) }

    public static func writeError(_ text: String) {
        fflush(bkup_stdout())
        fputs(text, bkup_stderr())
        fflush(bkup_stderr())
    }

    public static func flush() { fflush(bkup_stdout()) }

    public static func readAllInput() -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, bkup_stdin())
            if n > 0 { out.append(contentsOf: buffer[0..<n]) }
            if n < buffer.count { break }
        }
        return out
    }
}
