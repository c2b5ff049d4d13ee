#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file someone else may have written (a key file, a fleet file, a plan file) without
/// trusting its size: at most `limit` bytes are read, so a file of gigabytes (or a FIFO that
/// never ends) is an error, not memory exhausted. Pipes and FIFOs are read as far as the limit,
/// so `--key-file <(pass show ops/key)` keeps working.
public enum BoundedFile {
    public enum Failure: Error, Sendable, Equatable {
        case cannotRead
        case tooLarge(limit: Int)
    }

    public static func read(_ path: String, limit: Int) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotRead }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .cannotRead
            }
            if n == 0 { return bytes }
            guard bytes.count + n <= limit else { throw .tooLarge(limit: limit) }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }

    /// "64 KiB", "16 MiB": a limit as a message says it.
    public static func words(_ limit: Int) -> String {
        limit >= 1 << 20 ? "\(limit >> 20) MiB" : "\(limit >> 10) KiB"
    }
}
