import BkupKit
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The command's promise that a limit holds for every script. Lua's hook stops the VM where Lua
/// allows it; where it does not (a finalizer and a message handler run with hooks off, a C
/// function such as a backtracking string.find never reaches one), the guard ends the process
/// itself once a stop has been pending for `grace` seconds: a clear message naming the limit,
/// exit status 1, the dry-run summary, output flushed.
///
/// It also keeps the deadline while the host closes (finalizers run then), and charges time
/// spent where no instruction can be counted against an instruction budget, at about Lua's own
/// pace (`uncountedRate` instructions a second).
final class RunGuard: @unchecked Sendable {
    static let grace = 2.0
    static let uncountedRate = 1e8
    static let tick = 0.05

    private let watch: LuaState.Watch
    private let limits: RunLimits
    private let lastWords: @Sendable () -> [String]
    private let ending: @Sendable (String) -> Int32
    private let lock = NSLock()
    private var stateOpen = true
    private var deadline: Double?
    private var stopSince: Double?
    private var message: String?
    private var requested = false
    private var counted: UInt64 = 0
    private var charged = 0.0
    private var finished = false

    /// `lastWords` are printed after the message when the guard ends the process (a dry run's
    /// summary); then `ending` (given the reason) does what else must be done and gives the exit
    /// status (1 by default; a fleet prints its summary).
    init(host: BkupHost, limits: RunLimits, lastWords: @escaping @Sendable () -> [String],
         ending: @escaping @Sendable (String) -> Int32 = { _ in 1 }) {
        watch = host.lua.watch
        self.limits = limits
        self.lastWords = lastWords
        self.ending = ending
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Starts watching; the deadline (if any) runs from now. A first Ctrl-C must hold as much
    /// as a limit, so the guard always watches, from a plain detached pthread with a small
    /// stack (the least a thread can cost a script's start-up).
    func start() {
        runStarted()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, 256 * 1024)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let created = pthread_create(&thread, &attributes, { context in
            let guardian = Unmanaged<RunGuard>.fromOpaque(context!).takeRetainedValue()
            while !guardian.isFinished {
                usleep(UInt32(RunGuard.tick * 1e6))
                guardian.check()
            }
            return nil
        }, context)
        if created != 0 { Unmanaged<RunGuard>.fromOpaque(context).release() }
    }

    /// A new run (a REPL line) starts: a fresh deadline and budget, no pending stop.
    func runStarted() {
        lock.withLock {
            deadline = limits.timeout > 0 ? Self.now() + limits.timeout : nil
            stopSince = nil
            message = nil
            requested = false
            counted = 0
            charged = 0
        }
    }

    /// A run (a REPL line) ended and the session goes on: nothing is pending until the next.
    func runEnded() {
        lock.withLock {
            deadline = nil
            stopSince = nil
            message = nil
        }
    }

    /// The host is about to close the Lua state: from now on the guard does not read it.
    func stateClosing() { lock.withLock { stateOpen = false } }

    /// The host closed and the process goes on (a fleet's next project): the guard's thread ends.
    func finish() { lock.withLock { finished = true } }
    private var isFinished: Bool { lock.withLock { finished } }

    private func check() {
        let now = Self.now()
        let end: String? = lock.withLock {
            let pastDeadline = deadline.map { now >= $0 } ?? false
            if stateOpen {
                if pastDeadline && !requested {
                    watch.stopForTimeout()
                    requested = true
                }
                if limits.maxInstructions > 0 && watch.inVM && !requested {
                    let n = watch.instructions
                    if n == counted { charged += Self.tick * Self.uncountedRate } else { counted = n }
                    if Double(n) + charged > Double(limits.maxInstructions) {
                        watch.stopForInstructions()
                        requested = true
                    }
                }
                if watch.isStopping {
                    if stopSince == nil { stopSince = now }
                    message = watch.stopMessage
                } else {
                    stopSince = nil  // taken: a Ctrl-C raised (and maybe caught), or a run that ended
                }
            } else {
                // Closing: finalizers run with hooks off; only time tells.
                if pastDeadline, stopSince == nil {
                    stopSince = now
                    message = watch.timeoutMessage
                }
                if limits.maxInstructions > 0, stopSince == nil {
                    charged += Self.tick * Self.uncountedRate
                    if Double(counted) + charged > Double(limits.maxInstructions) {
                        stopSince = now
                        message = watch.uncountedInstructionsMessage
                    }
                }
            }
            guard let since = stopSince, now - since >= Self.grace else { return nil }
            return message ?? "interrupted!"
        }
        if let end { endProcess(end) }
    }

    private func endProcess(_ reason: String) {
        var lines = ["bkup: \(reason); the script did not stop within \(Int(Self.grace)) s (a finalizer, a message handler "
            + "or a C function that Lua's hook cannot reach), so bkup ended it"]
        lines += lastWords()
        StandardStreams.writeError(lines.joined(separator: "\n") + "\n")
        let status = ending(reason)
        RedactedOutput.finish()
        _exit(status)
    }
}
