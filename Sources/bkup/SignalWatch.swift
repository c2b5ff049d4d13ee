import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM for a command that ends in good order (a fleet, an apply): the first
/// signal calls `first` (stop starting work, interrupt what runs, then report); a second one
/// calls `again` (end now). Handled on a dispatch queue, not in a signal handler, so the
/// handlers may do anything. The exit status of a command a signal ended is 128 + the signal.
final class SignalWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var sources: [DispatchSourceSignal] = []
    private var first: Int32?

    static let watched: [Int32] = [SIGINT, SIGTERM]

    init(first: @escaping @Sendable (Int32) -> Void, again: @escaping @Sendable (Int32) -> Void) {
        for number in Self.watched {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                let isFirst: Bool = self.lock.withLock {
                    if self.first != nil { return false }
                    self.first = number
                    return true
                }
                if isFirst { first(number) } else { again(number) }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// The first signal received, if any.
    var received: Int32? { lock.withLock { first } }

    /// Back to the default dispositions.
    func stop() {
        for source in sources { source.cancel() }
        for number in Self.watched { signal(number, SIG_DFL) }
    }

    static func name(_ number: Int32) -> String { number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : "signal \(number)" }
    static func exitStatus(_ number: Int32) -> Int32 { 128 + number }
}
