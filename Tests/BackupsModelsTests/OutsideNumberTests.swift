import BackupsModels
import BkupJSON
import Foundation
import XCTest

/// The one reader of numbers from outside: every boundary value through each kind of domain,
/// as JSON and as text.
final class OutsideNumberTests: XCTestCase {
    /// (text, JSON) pairs of the boundary values; nil where JSON has no such number.
    static let values: [(text: String, json: JSONValue?)] = [
        ("0", .integer(0)), ("-1", .integer(-1)), ("2147483647", .integer(2_147_483_647)), ("2147483648", .integer(2_147_483_648)),
        ("9007199254740992", .integer(9_007_199_254_740_992)), ("9223372036854775808", .number(9_223_372_036_854_775_808)),
        ("1e308", .number(1e308)), ("inf", nil), ("nan", nil), ("-0", .number(-0.0)), ("1.5", .number(1.5)),
    ]

    func testWholeNumbersFollowMathToInteger() throws {
        let retention = Domains.retention
        for (text, json) in Self.values {
            let expected: Int64? = text == "2147483647" ? 2_147_483_647 : nil
            XCTAssertEqual(try? retention.read(text: text), expected, text)
            if let json { XCTAssertEqual(try? retention.read(json), expected, "JSON \(text)") }
        }
        let any = NumberDomain<Int64>.integers(Int64.min...Int64.max)
        XCTAssertEqual(try any.read(JSONValue.number(3.0)), 3, "an integral float is the integer")
        XCTAssertEqual(try any.read(JSONValue.number(-0.0)), 0)
        XCTAssertEqual(try any.read(JSONValue.number(1e18)), 1_000_000_000_000_000_000)
        XCTAssertThrowsError(try any.read(JSONValue.number(9_223_372_036_854_775_808)), "2^63 has no Int64")
        XCTAssertThrowsError(try any.read(JSONValue.number(.nan)))
        XCTAssertThrowsError(try any.read(JSONValue.number(.infinity)))
        XCTAssertThrowsError(try any.read(JSONValue.number(1.5)))
        XCTAssertEqual(try any.read(text: "1e9"), 1_000_000_000)
        XCTAssertEqual(try any.read(text: "-9223372036854775808"), Int64.min)
        XCTAssertThrowsError(try any.read(JSONValue.string("1"))) { XCTAssertEqual($0 as? DomainError, .notANumber) }
        XCTAssertThrowsError(try retention.read(JSONValue.integer(0))) {
            XCTAssertEqual($0 as? DomainError, .outside(expected: "a whole number of days from 1 to 2147483647", got: "0"))
        }
    }

    func testRealsAreFiniteAndInRange() throws {
        let seconds = Domains.clockAdvance
        let accepted: Set<String> = ["0", "2147483647", "2147483648", "-0", "1.5"]
        for (text, json) in Self.values {
            XCTAssertEqual((try? seconds.read(text: text)) != nil, accepted.contains(text), text)
            if let json { XCTAssertEqual((try? seconds.read(json)) != nil, accepted.contains(text), "JSON \(text)") }
        }
        XCTAssertEqual(try seconds.read(text: "-0").sign, .plus, "-0 reads as 0")
        XCTAssertThrowsError(try Domains.speed.read(text: "0"), "a speed is positive")
        XCTAssertEqual(try Domains.speed.read(text: "1000000"), 1_000_000)
        XCTAssertThrowsError(try Domains.speed.read(text: "1000000.5"))
        XCTAssertThrowsError(try Domains.timeout.read(JSONValue.number(.nan)))
    }

    /// Only decimal text is a number: not what Swift's own Double(String) would also take.
    func testTextIsDecimalOnly() {
        for text in ["30", "-1", "+2", "1.5", ".5", "5.", "1e9", "1E-3", "-0"] { XCTAssertNotNil(OutsideNumber(text: text), text) }
        for text in ["", " 1", "1 ", "inf", "-inf", "nan", "infinity", "0x10", "0x1p3", "1e", "e5", "--1", "1_000", "١"] {
            XCTAssertNil(OutsideNumber(text: text), text)
        }
        XCTAssertEqual(OutsideNumber(text: "1e400"), .float(.infinity), "a number, outside every domain")
        XCTAssertFalse(Domains.headerSeconds.contains(.float(.infinity)))
    }

    /// A schedule has no run time outside the years 1 to 9999, and asking is not an overflow.
    func testCronIsAskedOnlyAboutDatesItCanSay() throws {
        let daily = try CronExpression("@daily")
        for seconds in [1e300, -1e300, .nan, .infinity, 253_402_300_799.999 + 1] {
            XCTAssertNil(daily.next(after: Date(timeIntervalSince1970: seconds)), "\(seconds)")
            XCTAssertNil(daily.previous(before: Date(timeIntervalSince1970: seconds)), "\(seconds)")
        }
        XCTAssertNil(daily.next(after: WireDate.parse("9999-12-31T12:00:00.000+00:00")!), "the next midnight is in year 10000")
        XCTAssertNotNil(daily.previous(before: WireDate.parse("9999-12-31T12:00:00.000+00:00")!))
    }

    func testJSONRefusesNumbersBeyondADouble() {
        XCTAssertThrowsError(try JSONCodec.decode("[1e309]")) { XCTAssertTrue("\($0)".contains("number out of range"), "\($0)") }
        XCTAssertThrowsError(try JSONCodec.decode("-1e400"))
        XCTAssertEqual(try JSONCodec.decode("1e-400"), .number(0), "an underflow is a finite zero")
        XCTAssertEqual(try JSONCodec.decode("1e308"), .number(1e308))
    }
}
