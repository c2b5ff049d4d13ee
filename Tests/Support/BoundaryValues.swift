/// The numbers every boundary of bkup is tried with (issue: "0, -1, 2^31-1, 2^31, 2^53, 2^63,
/// 1e308, inf, nan, -0, "1", 1.5"), as the text each kind of edge receives: JSON (a body, a
/// file, Appwrite's query JSON), a Lua expression, a command-line flag. Infinity and NaN are not
/// JSON: as JSON they are what a sender would write (`Infinity`, `NaN`, `1e400`) and must be
/// refused as text that is not a number.
public enum BoundaryValues {
    public struct Value: Sendable {
        /// What it is, for messages: "2^31".
        public let name: String
        public let json: String
        public let lua: String
        public let flag: String
        public init(name: String, json: String, lua: String, flag: String) {
            self.name = name
            self.json = json
            self.lua = lua
            self.flag = flag
        }
    }

    public static let all: [Value] = [
        Value(name: "0", json: "0", lua: "0", flag: "0"),
        Value(name: "-1", json: "-1", lua: "-1", flag: "-1"),
        Value(name: "2^31-1", json: "2147483647", lua: "2147483647", flag: "2147483647"),
        Value(name: "2^31", json: "2147483648", lua: "2147483648", flag: "2147483648"),
        Value(name: "2^53", json: "9007199254740992", lua: "2^53", flag: "9007199254740992"),
        Value(name: "2^63", json: "9223372036854775808", lua: "2^63", flag: "9223372036854775808"),
        Value(name: "1e308", json: "1e308", lua: "1e308", flag: "1e308"),
        Value(name: "inf", json: "1e400", lua: "math.huge", flag: "inf"),
        Value(name: "-inf", json: "-Infinity", lua: "-math.huge", flag: "-inf"),
        Value(name: "nan", json: "NaN", lua: "0/0", flag: "nan"),
        Value(name: "-0", json: "-0.0", lua: "-0.0", flag: "-0"),
        Value(name: "\"1\"", json: "\"1\"", lua: "\"1\"", flag: "one"),
        Value(name: "1.5", json: "1.5", lua: "1.5", flag: "1.5"),
    ]

    /// The values a domain of whole numbers in `range` accepts, by name (every other is refused).
    public static func accepted(wholeIn range: ClosedRange<Int64>) -> Set<String> {
        var names: Set<String> = []
        let exact: [(String, Int64)] = [("0", 0), ("-1", -1), ("2^31-1", 2_147_483_647), ("2^31", 2_147_483_648),
                                        ("2^53", 9_007_199_254_740_992), ("-0", 0)]
        for (name, v) in exact where range.contains(v) { names.insert(name) }
        return names
    }

    /// The values a domain of finite numbers in `range` accepts, by name.
    public static func accepted(finiteIn range: ClosedRange<Double>) -> Set<String> {
        var names: Set<String> = []
        let exact: [(String, Double)] = [("0", 0), ("-1", -1), ("2^31-1", 2_147_483_647), ("2^31", 2_147_483_648),
                                         ("2^53", 9_007_199_254_740_992), ("2^63", 9_223_372_036_854_775_808), ("1e308", 1e308),
                                         ("-0", 0), ("1.5", 1.5)]
        for (name, v) in exact where range.contains(v) { names.insert(name) }
        return names
    }
}
