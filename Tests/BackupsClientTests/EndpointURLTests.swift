import BackupsClient
import XCTest

final class EndpointURLTests: XCTestCase {
    func testWhatIsAnEndpoint() {
        for good in ["https://cloud.appwrite.io/v1", "http://127.0.0.1:8080/v1", "HTTPS://Appwrite.example/v1/", "http://[::1]:80/v1",
                     "https://appwrite.example/api"] {
            XCTAssertNil(EndpointURL.problem(good), good)
        }
        XCTAssertEqual(EndpointURL.problem("127.0.0.1:8080/v1"), "'127.0.0.1:8080/v1' has no scheme: write http://127.0.0.1:8080/v1 (or https://127.0.0.1:8080/v1)")
        XCTAssertTrue(EndpointURL.problem("localhost:8080/v1")?.contains("has no scheme") == true, "localhost: is no scheme")
        for bad in ["", " ", "ftp://h/v1", "http://", "http:///v1", "http://h:0/v1", "http://h/v1#x", "http://h/v1?a=b", "https://u:secret@h/v1"] {
            XCTAssertNotNil(EndpointURL.problem(bad), bad)
        }
        XCTAssertFalse(EndpointURL.problem("https://u:secret@h/v1")!.contains("secret"))
        // However malformed the rest is, what stands before an @ is never quoted.
        for malformed in ["http://user:s3cretPW@/v1", "https:/user:s3cretPW@host/v1", "user:s3cretPW@host/v1",
                          "http://user:s3cretPW@[::1/v1", "ftp://user:s3cretPW@host/v1", "http://user:s3cretPW@h:0/v1",
                          "http://user:s3cretPW@h/v1?x"] {
            let problem = EndpointURL.problem(malformed)
            XCTAssertNotNil(problem, malformed)
            XCTAssertFalse(problem?.contains("s3cretPW") ?? true, "\(malformed): \(problem ?? "")")
            if problem?.contains("'") == true { XCTAssertTrue(problem?.contains("…@") ?? false, "\(malformed): \(problem ?? "")") }
        }
    }

    func testTheLikelyAPIOfAnEndpointWithoutV1() {
        XCTAssertEqual(EndpointURL.suggestion(for: "http://127.0.0.1:60187/v2"), "http://127.0.0.1:60187/v1")
        XCTAssertEqual(EndpointURL.suggestion(for: "http://127.0.0.1:60187/v2/"), "http://127.0.0.1:60187/v1")
        XCTAssertEqual(EndpointURL.suggestion(for: "http://127.0.0.1:60187"), "http://127.0.0.1:60187/v1")
        XCTAssertEqual(EndpointURL.suggestion(for: "https://example.com/appwrite"), "https://example.com/appwrite/v1")
        XCTAssertEqual(EndpointURL.suggestion(for: "https://example.com/appwrite/v3"), "https://example.com/appwrite/v1")
        XCTAssertEqual(EndpointURL.suggestion(for: "https://v2.example.com"), "https://v2.example.com/v1", "a host is not a version")
        XCTAssertEqual(EndpointURL.suggestion(for: "https://example.com/version"), "https://example.com/version/v1")
    }
}
