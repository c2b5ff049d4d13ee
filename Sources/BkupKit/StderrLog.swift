import Logging
import LuaRuntime

/// `--verbose`: one line per request on stderr (method, path, status, attempt, time).
enum StderrLog {
    struct Handler: LogHandler {
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        /// A fleet's project ("[eu-prod] "), in front of each line.
        var prefix = ""
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            StandardStreams.writeError("\(prefix)bkup: \(event.message)\n")
        }
    }

    static func logger(prefix: String = "") -> Logger {
        Logger(label: "bkup") { _ in Handler(prefix: prefix) }
    }
}
