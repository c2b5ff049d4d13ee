/// Parsers of option values: each checks a value from the command line against its domain and
/// says what was expected, naming the option. Every option's value passes through one of these.
public enum OptionValue {
    /// A whole number in `range`; `what` says the range in words ("a whole number from 1 to 100").
    public static func integer(_ text: String, _ name: String, in range: ClosedRange<Int>, _ what: String) throws -> Int {
        guard let n = Int(text), range.contains(n) else {
            throw UsageError("\(name): \(what) expected, got '\(text)'")
        }
        return n
    }

    /// A finite number above zero (a speed, a factor).
    public static func positive(_ text: String, _ name: String) throws -> Double {
        guard let value = Double(text), value > 0, value.isFinite else {
            throw UsageError("\(name): a positive number expected, got '\(text)'")
        }
        return value
    }

    /// A duration in seconds: a finite number above zero, at most a year (30, 0.5, 1e3).
    public static func seconds(_ text: String, _ name: String) throws -> Double {
        guard let value = Double(text), value > 0, value.isFinite, value <= 366 * 86_400 else {
            throw UsageError("\(name): seconds expected (a number above 0, at most a year), got '\(text)'")
        }
        return value
    }

    /// One of `choices`.
    public static func choice(_ text: String, _ name: String, _ choices: [String]) throws -> String {
        guard choices.contains(text) else {
            let words = choices.count > 1 ? choices.dropLast().joined(separator: ", ") + " or " + choices.last! : choices.joined()
            throw UsageError("\(name): \(words) expected, got '\(text)'")
        }
        return text
    }

    /// A count (`count(_:)`) from `range`; `what` says what was expected in words.
    public static func count(_ text: String, _ name: String, in range: ClosedRange<UInt64>, _ what: String) throws -> UInt64 {
        guard let n = count(text), range.contains(n) else { throw UsageError("\(name): \(what) expected, got '\(text)'") }
        return n
    }

    /// A whole number with an optional binary suffix: 512, 64K, 256M, 2G, 1e9.
    public static func count(_ text: String) -> UInt64? {
        let multipliers: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        var digits = Substring(text)
        var multiplier: UInt64 = 1
        if let last = text.last?.uppercased().first, let m = multipliers[last] {
            multiplier = m
            digits = digits.dropLast()
        }
        // 1e9 as well as 1000000000.
        guard let n = UInt64(digits) ?? Double(digits).flatMap({ $0 >= 0 && $0 < 1.8e19 && $0 == $0.rounded() ? UInt64($0) : nil })
        else { return nil }
        let (product, overflow) = n.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }
}
