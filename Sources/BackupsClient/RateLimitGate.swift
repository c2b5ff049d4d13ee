import BackupsModels
import Foundation
import NIOHTTP1
import Synchronization

/// Remembers when the service said the rate limit resets (`X-RateLimit-Remaining: 0` with
/// `X-RateLimit-Reset`), so that the next call waits instead of collecting a 429.
final class RateLimitGate: Sendable {
    private let notBefore = Mutex<Double>(0)

    func update(from headers: HTTPHeaders) {
        guard let remaining = headers.first(name: "x-ratelimit-remaining"), Int(remaining) == 0,
            let reset = headers.first(name: "x-ratelimit-reset"), let epoch = try? Domains.headerSeconds.read(text: reset)
        else { return }
        notBefore.withLock { $0 = max($0, epoch) }
    }

    func waitIfNeeded() async {
        let until = notBefore.withLock { $0 }
        let wait = until - Date().timeIntervalSince1970
        if wait > 0 { try? await Task.sleep(nanoseconds: UInt64(min(wait, 120) * 1e9)) }
    }
}
