/// JSON text <-> `JSONValue`, written for bkup's needs: integers stay integers, NaN and
/// infinities are refused, errors carry a byte offset, nesting is capped.
public enum JSONCodec {
    public static let maxDepth = 1000

    public struct EncodeError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public struct DecodeError: Error, CustomStringConvertible, Sendable {
        public enum Kind: Sendable { case syntax, tooLarge, stopped }
        public let offset: Int
        public let reason: String
        public var kind = Kind.syntax
        public init(offset: Int, reason: String, kind: Kind = .syntax) {
            self.offset = offset
            self.reason = reason
            self.kind = kind
        }
        public var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    public struct Options: Sendable {
        public var pretty = false
        public var sortKeys = false
        public init(pretty: Bool = false, sortKeys: Bool = false) {
            self.pretty = pretty
            self.sortKeys = sortKeys
        }
    }

    // MARK: encoding

    public static func encode(_ value: JSONValue, options: Options = Options()) throws(EncodeError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        try encode(value, into: &out, options: options, depth: 0)
        return String(decoding: out, as: UTF8.self)
    }

    public static func encodeBytes(_ value: JSONValue, options: Options = Options()) throws(EncodeError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        try encode(value, into: &out, options: options, depth: 0)
        return out
    }

    private static func newline(_ out: inout [UInt8], _ depth: Int) {
        out.append(0x0A)
        for _ in 0..<depth { out.append(0x20); out.append(0x20) }
    }

    public static func encode(_ value: JSONValue, into out: inout [UInt8], options: Options, depth: Int) throws(EncodeError) {
        if depth > maxDepth { throw EncodeError(description: "cannot encode: nesting deeper than \(maxDepth)") }
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        case .number(let d):
            guard d.isFinite else { throw EncodeError(description: "cannot encode \(d) (JSON has no NaN or infinity)") }
            out.append(contentsOf: formatDouble(d).utf8)
        case .string(let s): appendString(s, into: &out)
        case .array(let items):
            if items.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(0x5B)
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(0x2C) }
                if options.pretty { newline(&out, depth + 1) }
                try encode(item, into: &out, options: options, depth: depth + 1)
            }
            if options.pretty { newline(&out, depth) }
            out.append(0x5D)
        case .object(let fields):
            if fields.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(0x7B)
            let keys = options.sortKeys || options.pretty ? fields.keys.sorted() : Array(fields.keys)
            for (i, key) in keys.enumerated() {
                if i > 0 { out.append(0x2C) }
                if options.pretty { newline(&out, depth + 1) }
                appendString(key, into: &out)
                out.append(0x3A)
                if options.pretty { out.append(0x20) }
                try encode(fields[key]!, into: &out, options: options, depth: depth + 1)
            }
            if options.pretty { newline(&out, depth) }
            out.append(0x7D)
        }
    }

    /// Shortest text that reads back as the same double, always marked as a float.
    public static func formatDouble(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e16 {
            return String(Int64(d)) + ".0"
        }
        return "\(d)"
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    public static func appendString(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        for byte in s.utf8 {
            switch byte {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0x08: out.append(0x5C); out.append(0x62)
            case 0x0C: out.append(0x5C); out.append(0x66)
            case 0..<0x20:
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }

    // MARK: decoding

    public static func decode(_ text: String) throws(DecodeError) -> JSONValue {
        try decode(Array(text.utf8))
    }

    /// Bounds on one decode, for text that comes from a script or the network.
    public struct DecodeLimits {
        /// The decoded value's estimated size in memory (each value costs `valueCost` bytes,
        /// strings their length too); more is a `.tooLarge` error.
        public var maxBytes = Int.max
        /// Asked every 1,024 values; true ends the decode with a `.stopped` error.
        public var shouldStop: (() -> Bool)?
        /// A key given twice in one object is an error, for files other people write (fleet and
        /// plan files): where the last one wins, a reviewer reading the first is misled.
        public var refuseDuplicateKeys = false
        public static let valueCost = 48
        public init(maxBytes: Int = Int.max, shouldStop: (() -> Bool)? = nil, refuseDuplicateKeys: Bool = false) {
            self.maxBytes = maxBytes
            self.shouldStop = shouldStop
            self.refuseDuplicateKeys = refuseDuplicateKeys
        }
    }

    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> JSONValue {
        try decode(bytes, limits: DecodeLimits())
    }

    public static func decode(_ bytes: [UInt8], limits: DecodeLimits) throws(DecodeError) -> JSONValue {
        var parser = Parser(bytes: bytes, limits: limits)
        parser.skipSpace()
        let value = try parser.parseValue(depth: 0)
        parser.skipSpace()
        if parser.pos != bytes.count { throw parser.fail("unexpected data after the value") }
        return value
    }

    struct Parser {
        let bytes: [UInt8]
        var pos = 0
        let limits: DecodeLimits
        var cost = 0
        var values = 0

        init(bytes: [UInt8], limits: DecodeLimits = DecodeLimits()) {
            self.bytes = bytes
            self.limits = limits
        }

        mutating func charge(_ bytes: Int) throws(DecodeError) {
            cost += JSONCodec.DecodeLimits.valueCost + bytes
            if cost > limits.maxBytes {
                throw DecodeError(offset: pos, reason: "the decoded value would need more than \(limits.maxBytes) bytes", kind: .tooLarge)
            }
            values += 1
            if values & 1023 == 0, let stop = limits.shouldStop, stop() {
                throw DecodeError(offset: pos, reason: "stopped", kind: .stopped)
            }
        }

        func fail(_ reason: String) -> DecodeError { DecodeError(offset: pos, reason: reason) }

        mutating func skipSpace() {
            while pos < bytes.count {
                switch bytes[pos] {
                case 0x20, 0x09, 0x0A, 0x0D: pos += 1
                default: return
                }
            }
        }

        mutating func expectLiteral(_ word: String, _ value: JSONValue) throws(DecodeError) -> JSONValue {
            let w = Array(word.utf8)
            guard pos + w.count <= bytes.count, Array(bytes[pos..<pos + w.count]) == w else {
                throw fail("expected a value")
            }
            pos += w.count
            return value
        }

        mutating func parseValue(depth: Int) throws(DecodeError) -> JSONValue {
            guard depth <= JSONCodec.maxDepth else { throw fail("nesting deeper than \(JSONCodec.maxDepth)") }
            guard pos < bytes.count else { throw fail("unexpected end of input") }
            try charge(0)
            switch bytes[pos] {
            case 0x7B: return try parseObject(depth: depth)
            case 0x5B: return try parseArray(depth: depth)
            case 0x22:
                let s = try parseString()
                try charge(s.utf8.count)
                return .string(s)
            case 0x74: return try expectLiteral("true", .bool(true))
            case 0x66: return try expectLiteral("false", .bool(false))
            case 0x6E: return try expectLiteral("null", .null)
            case 0x2D, 0x30...0x39: return try parseNumber()
            default: throw fail("unexpected character '\(Unicode.Scalar(bytes[pos]))'")
            }
        }

        mutating func parseObject(depth: Int) throws(DecodeError) -> JSONValue {
            pos += 1
            var fields: [String: JSONValue] = [:]
            skipSpace()
            if pos < bytes.count, bytes[pos] == 0x7D { pos += 1; return .object(fields) }
            while true {
                skipSpace()
                guard pos < bytes.count, bytes[pos] == 0x22 else { throw fail("expected a string key") }
                let keyAt = pos
                let key = try parseString()
                if limits.refuseDuplicateKeys, fields[key] != nil {
                    pos = keyAt
                    throw fail("the key \"\(key)\" is given twice in one object")
                }
                skipSpace()
                guard pos < bytes.count, bytes[pos] == 0x3A else { throw fail("expected ':'") }
                pos += 1
                skipSpace()
                fields[key] = try parseValue(depth: depth + 1)
                skipSpace()
                guard pos < bytes.count else { throw fail("unexpected end of input") }
                if bytes[pos] == 0x2C { pos += 1; continue }
                if bytes[pos] == 0x7D { pos += 1; return .object(fields) }
                throw fail("expected ',' or '}'")
            }
        }

        mutating func parseArray(depth: Int) throws(DecodeError) -> JSONValue {
            pos += 1
            var items: [JSONValue] = []
            skipSpace()
            if pos < bytes.count, bytes[pos] == 0x5D { pos += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try parseValue(depth: depth + 1))
                skipSpace()
                guard pos < bytes.count else { throw fail("unexpected end of input") }
                if bytes[pos] == 0x2C { pos += 1; continue }
                if bytes[pos] == 0x5D { pos += 1; return .array(items) }
                throw fail("expected ',' or ']'")
            }
        }

        mutating func hex4() throws(DecodeError) -> UInt32 {
            guard pos + 4 <= bytes.count else { throw fail("truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[pos]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                default: throw fail("invalid \\u escape")
                }
                v = v << 4 | d
                pos += 1
            }
            return v
        }

        mutating func parseString() throws(DecodeError) -> String {
            let start = pos
            pos += 1
            var out: [UInt8] = []
            var runStart = pos
            while true {
                guard pos < bytes.count else {
                    pos = start
                    throw fail("unterminated string")
                }
                let c = bytes[pos]
                if c == 0x22 {
                    out.append(contentsOf: bytes[runStart..<pos])
                    pos += 1
                    break
                }
                if c < 0x20 { throw fail("control character in string") }
                if c == 0x5C {
                    out.append(contentsOf: bytes[runStart..<pos])
                    pos += 1
                    guard pos < bytes.count else { throw fail("unterminated string") }
                    let e = bytes[pos]
                    pos += 1
                    switch e {
                    case 0x22: out.append(0x22)
                    case 0x5C: out.append(0x5C)
                    case 0x2F: out.append(0x2F)
                    case 0x62: out.append(0x08)
                    case 0x66: out.append(0x0C)
                    case 0x6E: out.append(0x0A)
                    case 0x72: out.append(0x0D)
                    case 0x74: out.append(0x09)
                    case 0x75:
                        var scalar = try hex4()
                        if (0xD800...0xDBFF).contains(scalar) {
                            guard pos + 6 <= bytes.count, bytes[pos] == 0x5C, bytes[pos + 1] == 0x75 else {
                                throw fail("lone surrogate in \\u escape")
                            }
                            pos += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw fail("invalid surrogate pair") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00...0xDFFF).contains(scalar) {
                            throw fail("lone surrogate in \\u escape")
                        }
                        out.append(contentsOf: Array(String(Unicode.Scalar(scalar)!).utf8))
                    default:
                        pos -= 1
                        throw fail("invalid escape")
                    }
                    runStart = pos
                    continue
                }
                pos += 1
            }
            guard let s = String(validating: out, as: UTF8.self) else {
                pos = start
                throw fail("string is not valid UTF-8")
            }
            return s
        }

        mutating func parseNumber() throws(DecodeError) -> JSONValue {
            let start = pos
            var isFloat = false
            if bytes[pos] == 0x2D { pos += 1 }
            guard pos < bytes.count, (0x30...0x39).contains(bytes[pos]) else { throw fail("invalid number") }
            if bytes[pos] == 0x30 {
                pos += 1
            } else {
                while pos < bytes.count, (0x30...0x39).contains(bytes[pos]) { pos += 1 }
            }
            if pos < bytes.count, bytes[pos] == 0x2E {
                isFloat = true
                pos += 1
                guard pos < bytes.count, (0x30...0x39).contains(bytes[pos]) else { throw fail("invalid number") }
                while pos < bytes.count, (0x30...0x39).contains(bytes[pos]) { pos += 1 }
            }
            if pos < bytes.count, bytes[pos] == 0x65 || bytes[pos] == 0x45 {
                isFloat = true
                pos += 1
                if pos < bytes.count, bytes[pos] == 0x2B || bytes[pos] == 0x2D { pos += 1 }
                guard pos < bytes.count, (0x30...0x39).contains(bytes[pos]) else { throw fail("invalid number") }
                while pos < bytes.count, (0x30...0x39).contains(bytes[pos]) { pos += 1 }
            }
            let text = String(decoding: bytes[start..<pos], as: UTF8.self)
            if !isFloat, let i = Int64(text) { return .integer(i) }
            guard let d = Double(text) else {
                pos = start
                throw fail("invalid number")
            }
            // Beyond a double's range the text would read as an infinity, which JSON cannot
            // write back and no number from outside may be.
            guard d.isFinite else {
                pos = start
                throw fail("number out of range")
            }
            return .number(d)
        }
    }
}
