import BkupJSON
import CLuaBridge

#if canImport(Glibc)
import Glibc
#endif

/// The process's C stdio streams, shared with Lua's `io` library so output stays in order.
public enum StandardStreams {
    // fwrite with the length, not fputs: a Lua string may hold a NUL, which lua5.4 prints.
    public static func write(_ text: String) { put(text, bkup_stdout()) }

    public static func writeError(_ text: String) {
        fflush(bkup_stdout())
        put(text, bkup_stderr())
        fflush(bkup_stderr())
    }

    private static func put(_ text: String, _ stream: UnsafeMutablePointer<FILE>?) {
        var text = text
        text.withUTF8 { bytes in _ = fwrite(bytes.baseAddress, 1, bytes.count, stream) }
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
