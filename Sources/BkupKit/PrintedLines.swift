import Synchronization

/// The lines a script wrote to standard output, collected from whatever thread runs it (an
/// async run has a thread of its own): `host.output = printed.append`.
public final class PrintedLines: Sendable {
    private let lines = Mutex<[String]>([])

    public init() {}

    /// Adds a line (what `BkupHost.output` is given).
    @Sendable public func append(_ line: String) { lines.withLock { $0.append(line) } }

    /// Every line so far, in order.
    public var all: [String] { lines.withLock { $0 } }

    /// The lines so far, each ended by a newline, as a terminal would have shown them.
    public var text: String { lines.withLock { $0.map { $0 + "\n" }.joined() } }

    /// Forgets the lines so far.
    public func removeAll() { lines.withLock { $0.removeAll() } }
}
