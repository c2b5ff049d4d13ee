import BkupJSON

/// A number as it arrived from outside (a JSON body or file, a query, a Lua argument, a flag, a
/// header), before it is anything: an integer or a float, as the sender wrote it.
///
/// Nothing inside bkup does arithmetic on one of these: a `NumberDomain` turns it into the value
/// it stands for (int32 days, a count, finite seconds) or into a `DomainError` that each edge
/// words its own way (a 400, a `bad argument`, a usage error).
public enum OutsideNumber: Sendable, Hashable, CustomStringConvertible {
    case integer(Int64)
    case float(Double)

    /// A JSON (or Lua) number; nil for any other type.
    public init?(_ value: JSONValue) {
        switch value {
        case .integer(let i): self = .integer(i)
        case .number(let d): self = .float(d)
        default: return nil
        }
    }

    /// Text as a flag, a query string or a header carries a number: an optional sign, digits,
    /// an optional fraction and exponent (`30`, `-1`, `1.5`, `1e9`). Nothing else is a number:
    /// not `inf`, `nan`, hexadecimal, blanks or an empty string.
    public init?(text: String) {
        guard Self.isDecimal(text) else { return nil }
        if let i = Int64(text) {
            self = .integer(i)
        } else if let d = Double(text) {
            self = .float(d)
        } else {
            return nil
        }
    }

    /// The number as the sender wrote it, for messages.
    public var description: String {
        switch self {
        case .integer(let i): return String(i)
        case .float(let d) where d.isNaN: return "nan"
        case .float(let d) where d.isInfinite: return d < 0 ? "-inf" : "inf"
        case .float(let d): return JSONCodec.formatDouble(d)
        }
    }

    private static func isDecimal(_ text: String) -> Bool {
        var bytes = Substring(text).utf8[...]
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        func digits() -> Int {
            let n = bytes.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }.count
            bytes = bytes.dropFirst(n)
            return n
        }
        var mantissa = digits()
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            mantissa += digits()
        }
        guard mantissa > 0 else { return false }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }
}

/// Why a value from outside is not in its domain.
public enum DomainError: Error, Sendable, Equatable {
    /// Not a number at all (a string, a boolean, null...): the edge words it as a type error.
    case notANumber
    /// A number, but not one of the domain's: `expected` says what is, `got` what came.
    case outside(expected: String, got: String)
}

/// A set of values a number from outside must fall in, and how it becomes one of them. An
/// integer domain follows Lua's `math.tointeger`: a float counts only when it has an exact
/// integer value (`3.0`, `-0.0`, `1e9`), never with a fraction, NaN or an infinity. A real
/// domain takes integers and finite floats. Both check their range before anything is
/// converted, so nothing traps whatever the number.
public struct NumberDomain<Value: Sendable>: Sendable {
    /// What a value of the domain is, as a noun phrase: "a whole number from 1 to 2147483647".
    public let expected: String
    private let convert: @Sendable (OutsideNumber) -> Value?

    public init(expected: String, convert: @escaping @Sendable (OutsideNumber) -> Value?) {
        self.expected = expected
        self.convert = convert
    }

    public func read(_ number: OutsideNumber) throws(DomainError) -> Value {
        guard let value = convert(number) else { throw .outside(expected: expected, got: number.description) }
        return value
    }

    public func read(_ value: JSONValue) throws(DomainError) -> Value {
        guard let number = OutsideNumber(value) else { throw .notANumber }
        return try read(number)
    }

    public func read(text: String) throws(DomainError) -> Value {
        guard let number = OutsideNumber(text: text) else { throw .outside(expected: expected, got: "'\(text)'") }
        return try read(number)
    }

    /// Whether `number` is in the domain.
    public func contains(_ number: OutsideNumber) -> Bool { convert(number) != nil }
}

extension NumberDomain where Value == Int64 {
    /// Whole numbers in `range`.
    public static func integers(_ range: ClosedRange<Int64>, _ expected: String? = nil) -> NumberDomain {
        NumberDomain(expected: expected ?? "a whole number from \(range.lowerBound) to \(range.upperBound)") { number in
            let i: Int64
            switch number {
            case .integer(let n): i = n
            case .float(let d):
                // Int64(exactly:) is nil for a fraction, NaN, an infinity and anything outside
                // Int64, and 0 for -0.0: math.tointeger's rule.
                guard let n = Int64(exactly: d) else { return nil }
                i = n
            }
            return range.contains(i) ? i : nil
        }
    }

    /// The same check for a value already held as an integer (the client's own requests).
    public func check(_ value: Int64) throws(DomainError) -> Int64 { try read(OutsideNumber.integer(value)) }
}

extension NumberDomain where Value == Double {
    /// Finite numbers in `range` (-0 reads as 0).
    public static func reals(_ range: ClosedRange<Double>, _ expected: String) -> NumberDomain {
        NumberDomain(expected: expected) { number in
            let d: Double
            switch number {
            case .integer(let n): d = Double(n)
            case .float(let x): d = x == 0 ? 0 : x
            }
            return d.isFinite && range.contains(d) ? d : nil
        }
    }
}

/// The domains of the numbers bkup reads from outside, in one place, so that the client, the
/// emulator, the Lua bindings and the command line agree on each.
public enum Domains {
    /// Days a policy keeps its archives: `integer`, `format: int32` in Appwrite's API, and at
    /// least one day (the emulator's choice; the published API gives no lower bound).
    public static let retention = NumberDomain<Int64>.integers(1...Int64(Int32.max), "a whole number of days from 1 to 2147483647")
    /// A count of things from 0 to `limit`.
    public static func count(upTo limit: Int64) -> NumberDomain<Int64> { .integers(0...limit) }
    /// A count of at least one, up to `limit` (concurrency, tasks).
    public static func positiveCount(upTo limit: Int64) -> NumberDomain<Int64> { .integers(1...limit) }
    /// A page size or offset of a list query.
    public static let queryLimit = NumberDomain<Int64>.integers(0...5000)
    public static let queryOffset = NumberDomain<Int64>.integers(0...Int64(Int32.max))
    /// Seconds the emulator's clock may move at once: a century at most, so that the clock stays
    /// far inside Int64 milliseconds.
    public static let clockAdvance = NumberDomain<Double>.reals(0...3_155_760_000, "a number of seconds from 0 to 3155760000 (100 years)")
    /// Simulated seconds per real second: a million at most (a day in 0.09 s), so that scaling
    /// an elapsed time cannot leave Int64 milliseconds.
    public static let speed = NumberDomain<Double>.reals(Double.leastNonzeroMagnitude...1_000_000, "a positive number up to 1000000")
    /// A time limit in seconds: a century at most (in nanoseconds it must fit an Int64).
    public static let timeout = NumberDomain<Double>.reals(Double.leastNonzeroMagnitude...3_155_760_000,
                                                           "a positive number of seconds up to 3155760000 (100 years)")
    /// Seconds a server asks a client to wait, or an epoch a rate limit resets at: finite.
    public static let headerSeconds = NumberDomain<Double>.reals(-1e15...1e15, "a finite number of seconds")
    /// `bkup monitor --interval`: from a tenth of a second to a week.
    public static let monitorInterval = NumberDomain<Double>.reals(0.1...604_800, "a number of seconds from 0.1 to 604800 (a week)")
    /// A fraction from 0 to 1 (a failure rate).
    public static let fraction = NumberDomain<Double>.reals(0...1, "a number from 0 to 1")
}
