import LuaRuntime
import XCTest

final class ConversionTests: XCTestCase {
    var state: LuaState!

    override func setUpWithError() throws {
        state = try LuaState()
        state.openJSONModule()
    }

    func eval(_ code: String) throws -> [JSONValue] {
        try state.load(code, chunkName: "=t")
        return try state.call(state.popRef())
    }

    func evalError(_ code: String) -> String {
        do {
            _ = try eval(code)
            return "no error"
        } catch {
            return (error as? LuaError)?.message ?? "\(error)"
        }
    }

    func testIntegersAndFloatsStayApart() throws {
        XCTAssertEqual(try eval("return 9223372036854775807, -9223372036854775807 - 1, 1.0, 0.1, 3"),
                       [.integer(Int64.max), .integer(Int64.min), .number(1.0), .number(0.1), .integer(3)])
        XCTAssertEqual(try eval("return json.encode({9223372036854775807, 1.0, 2.5, -0.5e-7})"),
                       [.string("[9223372036854775807,1.0,2.5,-5e-08]")])
        let back = try eval("local v = json.decode('[9223372036854775807, 1.0, 3, 1e300]') return math.type(v[1]), math.type(v[2]), math.type(v[3]), v[1], v[4]")
        XCTAssertEqual(back, [.string("integer"), .string("float"), .string("integer"), .integer(Int64.max), .number(1e300)])
    }

    func testNaNAndInfinityAreRefused() {
        XCTAssertTrue(evalError("return json.encode(0/0)").contains("JSON has no NaN or infinity"))
        XCTAssertTrue(evalError("return json.encode({x = math.huge})").contains("JSON has no NaN or infinity"))
    }

    func testEmptyArrayVersusEmptyObject() throws {
        XCTAssertEqual(try eval("return json.encode({a = json.array{}, b = {}, c = json.decode('[]'), d = json.decode('{}')}, {sort_keys = true})"),
                       [.string(#"{"a":[],"b":{},"c":[],"d":{}}"#)])
        XCTAssertEqual(try eval("return json.encode(json.decode('{\"x\":[[],{}]}'))"), [.string(#"{"x":[[],{}]}"#)])
    }

    func testNestedRecordsRoundTrip() throws {
        let text = #"{"$id":"p1","enabled":true,"options":{"databases":{"database":[{"n":null,"newId":"x"}]}},"retention":30,"services":["databases","storage"]}"#
        XCTAssertEqual(try eval("return json.encode(json.decode([[\(text)]]), {sort_keys = true})"), [.string(text)])
        state.push(.object(["a": .array([.integer(1), .object(["b": .null])])]))
        XCTAssertEqual(try state.value(at: -1), .object(["a": .array([.integer(1), .object(["b": .null])])]))
    }

    func testUnicodeAndEmbeddedNULs() throws {
        XCTAssertEqual(try eval(#"return json.encode("h\0é\u{1F600}\n\"")"#), [.string(#""h\u0000é😀\n\"""#)])
        XCTAssertEqual(try eval(#"local s = json.decode('"a\\u0000b\\ud83d\\ude00"') return #s, s"#),
                       [.integer(7), .string("a\u{0}b😀")])
        XCTAssertTrue(evalError(#"return json.encode("\xff\xfe")"#).contains("not valid UTF-8"))
    }

    func testMixedSparseCyclicAndDeepTablesAreErrors() {
        XCTAssertTrue(evalError("return json.encode({1, 2, x = 3})").contains("mixes array items and string keys"))
        XCTAssertTrue(evalError("return json.encode({[1] = 1, [3] = 3})").contains("sparse array"))
        XCTAssertTrue(evalError("local t = {} t.self = t return json.encode(t)").contains("cycle"))
        XCTAssertTrue(evalError("local t = {} for i = 1, 1100 do t = {t} end return json.encode(t)").contains("deeper than 1000"))
        XCTAssertTrue(evalError("return json.encode({f = print})").contains("cannot convert a function"))
        XCTAssertEqual(try eval("local t = {} for i = 1, 999 do t = {t} end return #json.encode(t)"), [.integer(2000)])
    }

    /// Offsets count bytes from 0.
    func testDecodeErrorsGiveTheByteOffset() {
        XCTAssertTrue(evalError(#"return json.decode('{"a": [1, 2,, 3]}')"#).contains("invalid JSON at byte 12"), evalError(#"return json.decode('{"a": [1, 2,, 3]}')"#))
        XCTAssertTrue(evalError(#"return json.decode('{"a": tru}')"#).contains("invalid JSON at byte 6"))
        XCTAssertTrue(evalError(#"return json.decode('[1] x')"#).contains("byte 4: unexpected data after the value"))
        XCTAssertTrue(evalError("return json.decode(string.rep('[', 1500))").contains("nesting deeper than 1000"))
    }

    func testPrettyAndSortedEncoding() throws {
        XCTAssertEqual(try eval("return json.encode({b = 1, a = {1, 2}}, {pretty = true})"),
                       [.string("{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": 1\n}")])
        XCTAssertEqual(try eval("return json.null == json.decode('null'), json.encode({x = json.null})"),
                       [.bool(true), .string(#"{"x":null}"#)])
    }
}
