import BackupsModels

/// Parsers of option values: each checks a value from the command line against its domain and
/// says what was expected, naming the option. Every option's value passes through one of these,
/// and each reads its number through BackupsModels' one reader of numbers from outside
/// (`NumberDomain`), so a flag, a request body and a Lua argument agree on what a number is.
public enum OptionValue {
    /// A whole number in `range`; `what` says the range in words ("a whole number from 1 to 100").
    public static func integer(_ text: String, _ name: String, in range: ClosedRange<Int>, _ what: String) throws -> Int {
        let domain = NumberDomain<Int64>.integers(Int64(range.lowerBound)...Int64(range.upperBound), what)
        guard let n = try? domain.read(text: text) else { throw UsageError("\(name): \(what) expected, got '\(text)'") }
        return Int(n)
    }

    /// A finite number in `domain` (`--speed`: `Domains.speed`).
    public static func real(_ text: String, _ name: String, _ domain: NumberDomain<Double>) throws -> Double {
        guard let value = try? domain.read(text: text) else { throw UsageError("\(name): \(domain.expected) expected, got '\(text)'") }
        return value
    }

    /// A duration in seconds: a finite number above zero, at most a year (30, 0.5, 1e3).
    public static func seconds(_ text: String, _ name: String) throws -> Double {
        guard let value = try? secondsDomain.read(text: text) else {
            throw UsageError("\(name): seconds expected (a number above 0, at most a year), got '\(text)'")
        }
        return value
    }

    static let secondsDomain = NumberDomain<Double>.reals(Double.leastNonzeroMagnitude...(366 * 86_400), "seconds")

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
        // 1e9 as well as 1000000000; a count is non-negative and fits an Int64.
        guard let n = try? Domains.count(upTo: Int64.max).read(text: String(digits)) else { return nil }
        let (product, overflow) = UInt64(n).multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }
}
