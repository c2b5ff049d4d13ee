import LuaRuntime

#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on stderr (done/total, rate, failures, ETA), drawn only when stderr
/// is a terminal and redrawn at most ten times a second.
public final class ProgressBar {
    private var start: ContinuousClock.Instant?
    private var lastDraw: ContinuousClock.Instant?
    let enabled: Bool

    public init(enabled: Bool) { self.enabled = enabled }

    public static var stderrIsTerminal: Bool { isatty(2) != 0 }

    public func update(done: Int, total: Int, failures: Int, finished: Bool) {
        guard enabled, total > 0 else { return }
        let now = ContinuousClock.now
        if start == nil { start = now }
        if !finished, let last = lastDraw, now - last < .milliseconds(100) { return }
        lastDraw = now
        let elapsed = max(0.001, Double((now - start!).components.attoseconds) / 1e18 + Double((now - start!).components.seconds))
        let rate = Double(done) / elapsed
        let width = 24
        let filled = min(width, done * width / total)
        var line = "\r[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
        line += "\(done)/\(total)  \(String(format: "%.1f", rate))/s"
        if failures > 0 { line += "  \(failures) failed" }
        if !finished && rate > 0 { line += "  ETA \(Int((Double(total - done) / rate).rounded()))s" }
        line += "\u{1B}[K"
        if finished {
            line += "\n"
            start = nil
            lastDraw = nil
        }
        StandardStreams.writeError(line)
    }
}
