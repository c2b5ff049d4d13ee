import BkupJSON
import BkupKit
import BkupTestSupport
import Foundation
import XCTest

/// The trust rule's idea of "the same endpoint", and its binding of an embedding program's key.
final class TrustRuleTests: XCTestCase {
    /// Spellings that mean the same place: the operator's key may go to any of them.
    func testTheSameEndpointSpelledAnotherWay() {
        for (a, b) in [
            ("https://cloud.appwrite.io/v1", "https://cloud.appwrite.io/v1/"),
            ("https://cloud.appwrite.io/v1", "https://Cloud.AppWrite.IO/v1"),
            ("https://cloud.appwrite.io/v1", "HTTPS://cloud.appwrite.io/v1"),
            ("https://cloud.appwrite.io/v1", "https://cloud.appwrite.io:443/v1"),
            ("http://appwrite.local/v1", "http://appwrite.local:80/v1"),
            ("http://[::1]:8080/v1", "http://[0:0:0:0:0:0:0:1]:8080/v1"),
            ("http://[2001:db8::1]/v1", "http://[2001:DB8:0::1]:80/v1"),
        ] {
            XCTAssertTrue(TrustRule.sameEndpoint(a, b), "\(a) and \(b)")
        }
        XCTAssertTrue(TrustRule.sameEndpoint(nil, nil), "the embedded emulator is itself")
    }

    /// Spellings that may mean another place, or that parsers read differently: never the same.
    func testEndpointsThatMayBeElsewhereAreNotTheSame() {
        let own = "https://cloud.appwrite.io/v1"
        for other in [
            "http://cloud.appwrite.io/v1",  // no TLS
            "https://cloud.appwrite.io:8443/v1",
            "https://cloud.appwrite.io./v1",  // a trailing dot: another name to a resolver's search
            "https://cloud.appwrite.io/v2",
            "https://cloud.appwrite.io@evil.example/v1",
            "https://evil.example/v1#@cloud.appwrite.io/v1",
            "https://evil.example/v1?@cloud.appwrite.io/v1",
            "https://evil.example\\@cloud.appwrite.io/v1",
            "https://cloud%2eappwrite.io/v1",
            "https://user@cloud.appwrite.io/v1",
            "https://cloud.appwrite.io /v1",
        ] {
            XCTAssertFalse(TrustRule.sameEndpoint(own, other), other)
        }
        XCTAssertFalse(TrustRule.sameEndpoint("http://localhost:8080/v1", "http://127.0.0.1:8080/v1"), "localhost may be ::1")
        XCTAssertFalse(TrustRule.sameEndpoint("http://127.0.0.1:8080/v1", "http://127.1:8080/v1"))
        XCTAssertFalse(TrustRule.sameEndpoint("http://127.0.0.1:8080/v1", "http://[::ffff:127.0.0.1]:8080/v1"))
        XCTAssertFalse(TrustRule.sameEndpoint(nil, "http://127.0.0.1:8080/v1"), "a URL is not the embedded emulator")
        // Without a plain meaning, an endpoint is the same only as itself, letter for letter.
        XCTAssertTrue(TrustRule.sameEndpoint("http://user@host/v1", "http://user@host/v1/"))
        XCTAssertFalse(TrustRule.sameEndpoint("http://user@host/v1", "http://User@host/v1"))
    }

    /// An embedding program's own key is the operator's: a script cannot send it elsewhere,
    /// however it names it.
    func testAnEmbeddedHostsKeyStaysWithItsEndpoint() throws {
        let emulator = try EmulatorHarness.startBlocking()
        defer { try? emulator.blocking { await emulator.stop() } }
        let host = try BkupHost(configuration: HostConfiguration(endpoint: emulator.url, project: "bkup-local", apiKey: APIKey(emulator.key)))
        let results = try host.run(string: """
            local key = ...
            local ok, err = pcall(backups.connect, {endpoint = "http://127.0.0.1:9/v1", key = key})
            local same = backups.connect{endpoint = backups.config.endpoint .. "/", project = "other"}
            return ok, tostring(err), tostring(same)
            """, args: [emulator.key])
        XCTAssertEqual(results.first, .bool(false))
        XCTAssertTrue(results[1].stringValue?.contains("the key is the operator's (from the configuration)") == true, "\(results)")
        XCTAssertEqual(results[2].stringValue, "backups connection: \(emulator.url)/, project other")
    }
}
