#if canImport(Glibc)
import BkupJSON
import Glibc
#endif

/// Where work finished on other threads is handed back to the Lua thread.
final class Inbox: @unchecked Sendable {
    typealias Item = (id: Int, result: Result<any Sendable, any Error>)
    // pthread objects must not move: they live in memory of their own, not in a stored
    // property (whose address Swift does not promise to keep).
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var items: [Item] = []

    init() {
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    func post(_ id: Int, _ result: Result<any Sendable, any Error>) {
        pthread_mutex_lock(mutex)
        items.append((id, result))
        pthread_cond_signal(cond)
        pthread_mutex_unlock(mutex)
    }

    /// Takes everything posted, waiting up to `milliseconds` for the first item.
    func take(waitingUpTo milliseconds: Int) -> [Item] {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if items.isEmpty && milliseconds > 0 {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            var deadline = now
            let nanos = Int(now.tv_nsec) + (milliseconds % 1000) * 1_000_000
            deadline.tv_sec += milliseconds / 1000 + nanos / 1_000_000_000
            deadline.tv_nsec = nanos % 1_000_000_000
            while items.isEmpty {
                if pthread_cond_timedwait(cond, mutex, &deadline) == ETIMEDOUT { break }
            }
        }
        let taken = items
        items.removeAll(keepingCapacity: true)
        return taken
    }
}
