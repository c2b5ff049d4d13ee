import NIOCore
import NIOPosix
import Synchronization

/// The requests' deadlines, kept by one coarse clock for the whole process rather than a timer
/// per request. NIO cancels a scheduled task with a linear search of its event loop's timer heap,
/// so a timer per request cost O(requests in flight) to cancel, on the event loop, for every
/// request that answered in time: at 256 in flight, with the scheduling, 5% of the client's CPU.
/// A deadline is noticed within `tick` of passing; the clock stops when nothing is in flight.
final class RequestDeadlines: Sendable {
    static let shared = RequestDeadlines()
    static let tick = TimeAmount.milliseconds(50)

    private struct Entry {
        let deadline: NIODeadline
        let expire: @Sendable () -> Void
    }
    private struct State {
        var nextID: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
        var ticking = false
    }
    private let state = Mutex(State())

    /// `expire` runs once, on an event loop, if `deadline` passes before `remove(id)`.
    func add(_ deadline: NIODeadline, expire: @escaping @Sendable () -> Void) -> UInt64 {
        let (id, startClock) = state.withLock { state in
            state.nextID += 1
            state.entries[state.nextID] = Entry(deadline: deadline, expire: expire)
            defer { state.ticking = true }
            return (state.nextID, !state.ticking)
        }
        if startClock { scheduleTick() }
        return id
    }

    func remove(_ id: UInt64) {
        state.withLock { _ = $0.entries.removeValue(forKey: id) }
    }

    private func scheduleTick() {
        MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: Self.tick) { self.expirePassed() }
    }

    private func expirePassed() {
        let now = NIODeadline.now()
        let (passed, goOn) = state.withLock { state in
            let ids = state.entries.compactMap { $0.value.deadline <= now ? $0.key : nil }
            let passed = ids.compactMap { state.entries.removeValue(forKey: $0)?.expire }
            state.ticking = !state.entries.isEmpty
            return (passed, state.ticking)
        }
        for expire in passed { expire() }
        if goOn { scheduleTick() }
    }
}
