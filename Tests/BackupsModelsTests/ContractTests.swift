import BackupsModels
import BkupJSON
import XCTest

final class QueryStringTests: XCTestCase {
    /// Each string below is what the official SDKs (sdk-for-node's Query) produce for the call.
    func testQueriesAreByteIdenticalToTheSDKs() {
        let cases: [(Query, String)] = [
            (.equal("status", "completed"), #"{"method":"equal","attribute":"status","values":["completed"]}"#),
            (.equal("status", ["completed", "failed"]), #"{"method":"equal","attribute":"status","values":["completed","failed"]}"#),
            (.notEqual("enabled", false), #"{"method":"notEqual","attribute":"enabled","values":[false]}"#),
            (.lessThan("retention", 30), #"{"method":"lessThan","attribute":"retention","values":[30]}"#),
            (.lessThanEqual("size", 1.5), #"{"method":"lessThanEqual","attribute":"size","values":[1.5]}"#),
            (.greaterThan("size", 2.0), #"{"method":"greaterThan","attribute":"size","values":[2]}"#),
            (.greaterThanEqual("retention", 7), #"{"method":"greaterThanEqual","attribute":"retention","values":[7]}"#),
            (.between("retention", 1, 30), #"{"method":"between","attribute":"retention","values":[1,30]}"#),
            (.isNull("resourceId"), #"{"method":"isNull","attribute":"resourceId"}"#),
            (.isNotNull("startedAt"), #"{"method":"isNotNull","attribute":"startedAt"}"#),
            (.startsWith("name", "nightly-"), #"{"method":"startsWith","attribute":"name","values":["nightly-"]}"#),
            (.endsWith("name", "-db1"), #"{"method":"endsWith","attribute":"name","values":["-db1"]}"#),
            (.contains("services", "databases"), #"{"method":"contains","attribute":"services","values":["databases"]}"#),
            (.search("name", "night"), #"{"method":"search","attribute":"name","values":["night"]}"#),
            (.select(["name", "schedule"]), #"{"method":"select","values":["name","schedule"]}"#),
            (.orderAsc("$createdAt"), #"{"method":"orderAsc","attribute":"$createdAt"}"#),
            (.orderDesc("$createdAt"), #"{"method":"orderDesc","attribute":"$createdAt"}"#),
            (.orderRandom(), #"{"method":"orderRandom"}"#),
            (.limit(25), #"{"method":"limit","values":[25]}"#),
            (.offset(50), #"{"method":"offset","values":[50]}"#),
            (.cursorAfter("abc"), #"{"method":"cursorAfter","values":["abc"]}"#),
            (.cursorBefore("abc"), #"{"method":"cursorBefore","values":["abc"]}"#),
            (.or([.equal("status", "failed"), .lessThan("size", 10)]),
             #"{"method":"or","values":[{"method":"equal","attribute":"status","values":["failed"]},{"method":"lessThan","attribute":"size","values":[10]}]}"#),
            (.and([.equal("a", "x\"y"), .isNull("b")]),
             #"{"method":"and","values":[{"method":"equal","attribute":"a","values":["x\"y"]},{"method":"isNull","attribute":"b"}]}"#),
        ]
        for (query, expected) in cases {
            XCTAssertEqual(query.description, expected)
            XCTAssertEqual(try Query.parse(expected).description, expected, "parse and print round-trip")
        }
    }

    func testParseRejectsWhatTheServerRejects() {
        XCTAssertThrowsError(try Query.parse("not json"))
        XCTAssertThrowsError(try Query.parse(#"{"method":"fly","attribute":"x"}"#)) { e in
            XCTAssertTrue("\(e)".contains("Invalid query method: fly"))
        }
        XCTAssertThrowsError(try Query.parse(#"{"method":"or","values":[{"method":"equal","attribute":"a","values":[1]}]}"#))
    }
}

final class ValidationTests: XCTestCase {
    func message(_ body: () throws(Validation.Failure) -> Void) -> String {
        do { try body(); return "valid" } catch { return error.description }
    }

    func testIDs() {
        XCTAssertEqual(message { () throws(Validation.Failure) in try Validation.id("nightly-db_1.x", param: "policyId") }, "valid")
        let rule = "Invalid `policyId` param: Parameter must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char"
        for bad in ["", "-x", "_x", ".x", "a b", String(repeating: "a", count: 37), "ünï", "unique()"] {
            XCTAssertEqual(message { () throws(Validation.Failure) in try Validation.id(bad, param: "policyId") }, rule, bad)
        }
        XCTAssertEqual(message { () throws(Validation.Failure) in try Validation.id("unique()", param: "policyId", allowUnique: true) }, "valid")
        XCTAssertEqual(message { () throws(Validation.Failure) in try Validation.id(String(repeating: "a", count: 36), param: "policyId") }, "valid")
    }

    func testNamesServicesRetention() {
        XCTAssertEqual(message { () throws(Validation.Failure) in try Validation.name(String(repeating: "n", count: 129)) },
                       "Invalid `name` param: Value must be a valid string and no longer than 128 chars")
        XCTAssertEqual(message { () throws(Validation.Failure) in try Validation.services(["databases", "tables"]) },
                       "Invalid `services` param: Unknown service 'tables': each value must be one of (databases, tablesdb, documentsdb, vectorsdb, dedicatedDatabases, functions, storage)")
        XCTAssertTrue(message { () throws(Validation.Failure) in try Validation.services([]) }.hasPrefix("Invalid `services` param: Value must be a non-empty array"))
        XCTAssertEqual(message { () throws(Validation.Failure) in try Validation.retention(0) },
                       "Invalid `retention` param: Value must be a whole number of days from 1 to 2147483647, got 0")
    }

    func testCron() {
        for good in ["0 2 * * *", "*/5 * * * *", "0 0 1 jan,jul *", "30 4 * * MON-FRI", "0 22-23 * * 0,6", "@daily", "5/15 * * * 7", "0 0 L * *".replacingOccurrences(of: "L", with: "1-31/2")] {
            XCTAssertTrue(CronExpression.isValid(good), good)
        }
        let cases = [
            ("*/5 22-3 * * *", "hour range 22-3 is reversed"),
            ("bad expression", "expected 5 fields"),
            ("60 * * * *", "minute 60 is out of range 0-59"),
            ("* * * * * *", "expected 5 fields"),
            ("* * 0 * *", "day-of-month 0 is out of range 1-31"),
            ("* * * foo *", "invalid month 'foo'"),
            ("*/0 * * * *", "invalid step"),
            ("1,,2 * * * *", "empty item"),
        ]
        for (text, reason) in cases {
            let m = message { () throws(Validation.Failure) in try Validation.schedule(text) }
            XCTAssertTrue(m.hasPrefix("Invalid `schedule` param: String must be a valid cron expression: "), m)
            XCTAssertTrue(m.contains(reason), "\(text): \(m)")
        }
    }

    func testCronNextRuns() throws {
        let start = WireDate.parse("2026-11-26T20:07:20.123+00:00")!
        let daily = try CronExpression("0 2 * * *")
        XCTAssertEqual(daily.next(3, after: start).map(WireDate.format),
                       ["2026-11-27T02:00:00.000+00:00", "2026-11-28T02:00:00.000+00:00", "2026-11-29T02:00:00.000+00:00"])
        let weekdays = try CronExpression("30 9 * * MON-FRI")  // 2026-11-26 is a Thursday
        XCTAssertEqual(weekdays.next(3, after: start).map(WireDate.format),
                       ["2026-11-27T09:30:00.000+00:00", "2026-11-30T09:30:00.000+00:00", "2026-12-01T09:30:00.000+00:00"])
        // Day-of-month and day-of-week both restricted: either matches (standard cron).
        let either = try CronExpression("0 0 1 * SUN")
        XCTAssertEqual(either.next(2, after: start).map(WireDate.format),
                       ["2026-11-29T00:00:00.000+00:00", "2026-12-01T00:00:00.000+00:00"])
    }

    /// The forms Appwrite's validator (dragonmantank/cron-expression) accepts beyond plain cron.
    func testCronSpecialDays() throws {
        func runs(_ e: String, _ n: Int, after: String) throws -> [String] {
            try CronExpression(e).next(n, after: WireDate.parse(after)!).map(WireDate.format)
        }
        XCTAssertEqual(try runs("0 0 L * *", 3, after: "2028-02-10T00:00:00.000+00:00"),
                       ["2028-02-29T00:00:00.000+00:00", "2028-03-31T00:00:00.000+00:00", "2028-04-30T00:00:00.000+00:00"])
        // 2026-11-15 is a Sunday: the Monday after; 2026-12-15 a Tuesday: itself.
        XCTAssertEqual(try runs("0 0 15W * *", 2, after: "2026-11-01T00:00:00.000+00:00"),
                       ["2026-11-16T00:00:00.000+00:00", "2026-12-15T00:00:00.000+00:00"])
        // 2026-08-01 is a Saturday: 1W does not jump back into July, it goes to Monday the 3rd.
        XCTAssertEqual(try runs("0 0 1W * *", 1, after: "2026-07-15T00:00:00.000+00:00"), ["2026-08-03T00:00:00.000+00:00"])
        XCTAssertEqual(try runs("0 0 LW * *", 2, after: "2026-11-01T00:00:00.000+00:00"),
                       ["2026-11-30T00:00:00.000+00:00", "2026-12-31T00:00:00.000+00:00"])
        XCTAssertEqual(try runs("0 0 LW * *", 1, after: "2027-01-01T00:00:00.000+00:00"), ["2027-01-29T00:00:00.000+00:00"])
        XCTAssertEqual(try runs("0 3 * * 5#3", 2, after: "2026-11-01T00:00:00.000+00:00"),
                       ["2026-11-20T03:00:00.000+00:00", "2026-12-18T03:00:00.000+00:00"])
        XCTAssertEqual(try runs("0 0 * * FRIL", 2, after: "2026-11-01T00:00:00.000+00:00"),
                       ["2026-11-27T00:00:00.000+00:00", "2026-12-25T00:00:00.000+00:00"])
        XCTAssertEqual(try runs("0 0 ? * 1", 1, after: "2026-11-26T00:00:00.000+00:00"), ["2026-11-30T00:00:00.000+00:00"])
        XCTAssertEqual(try CronExpression("0 3 * * 5#3").previous(1, before: WireDate.parse("2026-12-01T00:00:00.000+00:00")!)
                        .map(WireDate.format), ["2026-11-20T03:00:00.000+00:00"])
        XCTAssertEqual(try CronExpression("0 0 L * *").summary, "at 00:00 on the last day of the month (UTC)")
        XCTAssertEqual(try CronExpression("0 0 LW * *").summary, "at 00:00 on the last weekday of the month (UTC)")
        XCTAssertEqual(try CronExpression("0 0 15W * *").summary, "at 00:00 on the weekday nearest day 15 of the month (UTC)")
        XCTAssertEqual(try CronExpression("0 3 * * 5#3").summary, "at 03:00 on the third Friday of the month (UTC)")
        XCTAssertEqual(try CronExpression("0 3 * * 0L").summary, "at 03:00 on the last Sunday of the month (UTC)")
        for macro in ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@DAILY"] {
            XCTAssertTrue(CronExpression.isValid(macro), macro)
        }
        let refused = [
            ("0 0 L,15 * *", "cannot be in a list"), ("0 0 1W,15 * *", "cannot be in a list"), ("0 0 32W * *", "out of range 1-31"),
            ("0 0 * * 5#6", "never more than 5"), ("0 0 * * 5#0", "never more than 5"), ("0 0 * * 8L", "out of range 0-7"),
            ("0 0 * * 1#2,3", "cannot be in a list"), ("0 0 L * 5L", "only one of"), ("0 0 X * *", "invalid day-of-month"),
            ("@often", "expected 5 fields"),
        ]
        for (text, reason) in refused {
            let m = message { () throws(Validation.Failure) in try Validation.schedule(text) }
            XCTAssertTrue(m.contains(reason), "\(text): \(m)")
        }
    }

    func testQueriesRule() {
        XCTAssertTrue(message { () throws(Validation.Failure) in try Validation.queries(Array(repeating: Query.limit(1).description, count: 101)) }
            .contains("at most 100 queries"))
        XCTAssertTrue(message { () throws(Validation.Failure) in try Validation.queries([Query.equal("name", .string(String(repeating: "x", count: 5000))).description]) }
            .contains("longer than 4096"))
        XCTAssertTrue(message { () throws(Validation.Failure) in try Validation.queries([#"{"method":"nope"}"#]) }.contains("Invalid query method: nope"))
    }
}

final class IDAndDateTests: XCTestCase {
    func testUniqueIDsLookLikeTheSDKs() {
        var seen = Set<String>()
        for _ in 0..<1000 {
            let id = ID.unique()
            XCTAssertEqual(id.count, 20)
            XCTAssertTrue(id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            XCTAssertTrue(ID.isValid(id))
            seen.insert(id)
        }
        XCTAssertEqual(seen.count, 1000)
    }

    func testWireDates() {
        let d = WireDate.parse("2026-11-26T20:07:20.123+00:00")!
        XCTAssertEqual(WireDate.format(d), "2026-11-26T20:07:20.123+00:00")
        XCTAssertEqual(WireDate.parse("2026-11-26T22:07:20.123+02:00"), d)
        XCTAssertEqual(WireDate.parse("2026-11-26T20:07:20.123Z"), d)
        XCTAssertNil(WireDate.parse("2026-13-26T20:07:20Z"))
        XCTAssertNil(WireDate.parse("yesterday"))
    }
}
