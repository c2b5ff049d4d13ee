import Foundation
import GRDB
import Synchronization

/// Group commit: writes that arrive while a transaction is being committed wait for the next
/// one, and go into it together. Each write runs in its own savepoint, so one that fails (a 404,
/// a 409) rolls back alone; the transaction commits once for all, and only then does any of
/// them get its answer. Under load a commit, and with `durability: .full` its fsync, is shared
/// by as many writes as arrived meanwhile; alone, a write costs what it cost before.
final class WriteBatcher: Sendable {
    /// One write: runs in the transaction (in its savepoint), then hears how the commit went.
    private struct Job: Sendable {
        let run: @Sendable (Database, Int64) throws -> Void
        let finish: @Sendable ((any Error)?) -> Void
        let alwaysTick: Bool
    }

    private struct State {
        var jobs: [Job] = []
        var draining = false
    }

    private let writer: any DatabaseWriter
    private let simulation: Simulation
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "bkup.emulator.writes")
    /// Commits made, and writes they carried (for the stats and the benchmark).
    let commits = Mutex((transactions: 0, writes: 0))

    init(writer: any DatabaseWriter, simulation: Simulation) {
        self.writer = writer
        self.simulation = simulation
    }

    func write<T: Sendable>(alwaysTick: Bool, _ body: @escaping @Sendable (Database, Int64) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let result = Mutex<Result<T, any Error>?>(nil)
            let job = Job(
                run: { db, now in
                    do {
                        let value = try body(db, now)
                        result.withLock { $0 = .success(value) }
                    } catch {
                        result.withLock { $0 = .failure(error) }
                        throw error
                    }
                },
                finish: { commitError in
                    if let commitError { return continuation.resume(throwing: commitError) }
                    continuation.resume(with: result.withLock { $0 }!)
                },
                alwaysTick: alwaysTick)
            let start = state.withLock { s -> Bool in
                s.jobs.append(job)
                if s.draining { return false }
                s.draining = true
                return true
            }
            if start { queue.async { self.drain() } }
        }
    }

    /// Commits batches until no write is waiting.
    private func drain() {
        while true {
            let jobs = state.withLock { s -> [Job] in
                let jobs = s.jobs
                s.jobs = []
                if jobs.isEmpty { s.draining = false }
                return jobs
            }
            if jobs.isEmpty { return }
            commit(jobs)
        }
    }

    private func commit(_ jobs: [Job]) {
        let now = simulation.now
        let tick = jobs.contains { $0.alwaysTick } || simulation.isDue(at: now)
        do {
            try writer.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    if tick { try simulation.tick(db, to: now) }
                    // Prepared once: GRDB's inSavepoint compiles its statements every time.
                    let savepoint = try db.cachedStatement(sql: "SAVEPOINT job")
                    let release = try db.cachedStatement(sql: "RELEASE SAVEPOINT job")
                    let rollback = try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT job")
                    for job in jobs {
                        // A failure is the job's answer (kept in its result); only its savepoint
                        // is rolled back, not the others' writes nor the tick.
                        try savepoint.execute()
                        do {
                            try job.run(db, now)
                        } catch {
                            try rollback.execute()
                        }
                        try release.execute()
                    }
                    return .commit
                }
            }
        } catch {
            for job in jobs { job.finish(error) }
            return
        }
        commits.withLock {
            $0.transactions += 1
            $0.writes += jobs.count
        }
        for job in jobs { job.finish(nil) }
    }
}
