import LuaRuntime

#if canImport(Glibc)
import Glibc
#endif

/// Reads a whole file, or nil.
public func readFile(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n > 0 { out.append(contentsOf: buffer[0..<n]) }
        if n < buffer.count { break }
    }
    return ferror(f) != 0 ? nil : out
}

/// Reads standard input to its end.
public func readStandardInput() -> [UInt8] { StandardStreams.readAllInput() }

public func writeStderr(_ text: String) { StandardStreams.writeError(text) }
