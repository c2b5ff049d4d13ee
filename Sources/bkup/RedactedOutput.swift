import BackupsClient
import CStdio

#if canImport(Glibc)
import Glibc
#endif

/// The command's standard output and error pass through a redacting stdio stream: every byte
/// written with stdio (print, io.write, io.stderr:write, warnings, tracebacks, the REPL,
/// --verbose) is filtered, whoever wrote the text, and a known API key never leaves. A key
/// written in pieces is caught too: a tail that could begin a key is held back until the next
/// piece (or exit) shows whether it does.
enum RedactedOutput {
    /// The terminal's own streams, for libedit's echo of what the user types.
    nonisolated(unsafe) static var terminalOut: UnsafeMutablePointer<FILE>? = bkup_stdout_stream()
    nonisolated(unsafe) static var terminalErr: UnsafeMutablePointer<FILE>? = bkup_stderr_stream()
    nonisolated(unsafe) private static var sinks: [Sink] = []

    final class Sink {
        let fd: Int32
        var pending: [UInt8] = []
        init(fd: Int32) { self.fd = fd }

        func write(_ data: UnsafeRawBufferPointer) {
            writeAll(Secrets.shared.redactStream(data, pending: &pending))
        }

        func release() {
            let held = pending
            pending = []
            writeAll(held)
        }

        private func writeAll(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 { if errno == EINTR { continue } else { return } }
                    offset += n
                }
            }
        }
    }

    /// Replaces `stdout` and `stderr` (before anything is written, and before a Lua state
    /// opens `io`, which keeps the FILE it finds).
    static func install() {
        terminalOut = bkup_stdout_stream()
        terminalErr = bkup_stderr_stream()
        guard let out = stream(fd: 1, buffering: isatty(1) != 0 ? BKUP_IOLBF : BKUP_IOFBF),
            let err = stream(fd: 2, buffering: BKUP_IONBF)
        else { return }
        bkup_set_std_streams(out, err)
        atexit { RedactedOutput.finish() }
    }

    /// Flushes both streams and writes what is held back. Called at exit (and before _exit).
    static func finish() {
        fflush(bkup_stdout_stream())
        fflush(bkup_stderr_stream())
        for sink in sinks { sink.release() }
    }

    private static func stream(fd: Int32, buffering: Int32) -> UnsafeMutablePointer<FILE>? {
        let sink = Sink(fd: fd)
        sinks.append(sink)
        return bkup_callback_stream(Unmanaged.passRetained(sink).toOpaque(), { context, bytes, count in
            guard let context else { return }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            sink.write(UnsafeRawBufferPointer(start: bytes, count: count))
        }, buffering)
    }
}
