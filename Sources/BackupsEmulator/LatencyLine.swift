import NIOCore
import NIOPosix
import Synchronization

/// `bkup serve --latency MS`: every answer on Appwrite's paths waits the same time, so the waits
/// end in the order they began. They wait in a queue with one timer, for its head, rather than
/// in a sleeping task each: a sleep is a timer that Dispatch's manager thread sets up and fires,
/// and at thousands of requests a second those timers took a sixth of the emulator's CPU from
/// the client it is measuring.
final class LatencyLine: Sendable {
    private struct Waiter {
        let due: NIODeadline
        let continuation: CheckedContinuation<Void, Never>
    }
    private struct State {
        var waiters: [Waiter] = []
        var head = 0
        var timerSet = false
    }
    private let delay: TimeAmount
    private let state = Mutex(State())
    /// Waits this close to their end are let go together.
    private static let slack = TimeAmount.microseconds(500)

    init(milliseconds: Int) { delay = .milliseconds(Int64(milliseconds)) }

    /// Returns after the latency, or throws if the request was cancelled meanwhile (its client
    /// went away): the request is then not carried out, as when it slept.
    func wait() async throws {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let due = NIODeadline.now() + delay
            let firstWaiter = state.withLock { state in
                state.waiters.append(Waiter(due: due, continuation: continuation))
                defer { state.timerSet = true }
                return !state.timerSet
            }
            if firstWaiter { setTimer(for: due) }
        }
        try Task.checkCancellation()
    }

    private func setTimer(for due: NIODeadline) {
        MultiThreadedEventLoopGroup.singleton.any().scheduleTask(deadline: due) { self.release() }
    }

    private func release() {
        let now = NIODeadline.now() + Self.slack
        let (ready, next): ([CheckedContinuation<Void, Never>], NIODeadline?) = state.withLock { state in
            var ready: [CheckedContinuation<Void, Never>] = []
            while state.head < state.waiters.count, state.waiters[state.head].due <= now {
                ready.append(state.waiters[state.head].continuation)
                state.head += 1
            }
            if state.head > 1024, state.head * 2 > state.waiters.count {
                state.waiters.removeFirst(state.head)
                state.head = 0
            }
            let next = state.head < state.waiters.count ? state.waiters[state.head].due : nil
            state.timerSet = next != nil
            return (ready, next)
        }
        for continuation in ready { continuation.resume() }
        if let next { setTimer(for: next) }
    }
}
