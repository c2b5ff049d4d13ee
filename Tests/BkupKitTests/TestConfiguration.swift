import BkupKit
import BkupTestSupport

extension HostConfiguration {
    /// A host pointed at a test emulator: no progress bar, and retries quick enough for tests.
    static func testing(_ emulator: EmulatorHarness, endpoint: String? = nil) -> HostConfiguration {
        var c = HostConfiguration(endpoint: endpoint ?? emulator.url, project: emulator.project, apiKey: APIKey(emulator.key))
        c.progress = false
        var retry = RetryPolicy()
        retry.baseDelay = 0.01
        retry.maxAttempts = 3
        c.retry = retry
        return c
    }
}
