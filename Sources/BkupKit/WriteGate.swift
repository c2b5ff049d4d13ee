import BackupsClient
import Foundation

/// A check that the first write of a run waits for, shared by every connection of the run (a
/// fleet's projects): the first request that would change something runs `check` with the scope
/// it needs; every write waits for its answer; then all pass, or all fail with its message and
/// nothing is sent. Reads never wait, and a dry run has no gate (it sends no write).
public final class WriteGate: @unchecked Sendable {
    /// Why the run must not write (`scope`: what its first write needs); nil when it may.
    public typealias Check = @Sendable (_ scope: String) async -> String?

    private let check: Check
    private let lock = NSLock()
    private var verdict: Task<String?, Never>?

    public init(check: @escaping Check) { self.check = check }

    /// Stops a check under way (the run is interrupted): the writes waiting for it fail.
    public func cancel() { lock.withLock { verdict }?.cancel() }

    /// Returns when `request` may be sent; throws when the check said no.
    func admit(_ request: BackupsRequest) async throws(BackupsError) {
        guard request.method != .GET, let scope = request.scope else { return }
        let task: Task<String?, Never> = lock.withLock {
            if let verdict { return verdict }
            let check = self.check
            let made = Task { await check(scope) }
            verdict = made
            return made
        }
        if let refusal = await task.value {
            throw BackupsError(code: 0, type: "preflight_failed", message: refusal)
        }
    }
}

extension HostConfiguration {
    /// Why this connection cannot make requests that need `scopes` (nil: it can), asked of the
    /// service with `Preflight`'s probes, which change nothing.
    public func preflight(scopes: [String]) async -> String? {
        var c = self
        c.planner = nil
        c.dryRun = false
        c.writeGate = nil
        let configuration = c
        // Resolving may start the embedded emulator, which blocks: not on Swift's own threads.
        let made: Result<BackupsClient, any Error> = await withCheckedContinuation { done in
            DispatchQueue.global().async {
                done.resume(returning: Result { try configuration.makeClient(for: try configuration.resolveEndpoint()) })
            }
        }
        switch made {
        case .success(let client): return await Preflight.problem(client, scopes: scopes)
        case .failure(let error as BackupsError): return error.message
        case .failure(let error): return "\(error)"
        }
    }
}
