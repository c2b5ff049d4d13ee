import BackupsModels
import BkupJSON
import Hummingbird
import NIOCore

/// A request body's parameters, read as the service reads them: a missing required parameter,
/// a wrong type, is a 400 that names the parameter.
struct Params: Sendable {
    let body: [String: JSONValue]

    /// Reads the JSON body of `request` (an object; empty is no parameters).
    static func read(_ request: Request, limit: Int) async throws -> Params {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw ServiceError(413, "general_argument_invalid", "Request body is larger than \(limit) bytes.")
        }
        if buffer.readableBytes == 0 { return Params(body: [:]) }
        let value: JSONValue
        do {
            value = try JSONCodec.decode(Array(buffer.readableBytesView))
        } catch {
            throw ServiceError(400, "general_argument_invalid", "Invalid JSON body: \(error)")
        }
        guard case .object(let o) = value else {
            throw ServiceError(400, "general_argument_invalid", "Invalid JSON body: an object is expected")
        }
        return Params(body: o)
    }

    /// How a parameter may be left out, as Appwrite's published API declares it.
    enum Presence {
        /// Absent or null: "Param ... is not optional."
        case required
        /// Absent or null: not given (`nullable: true`, or one of the emulator's own controls).
        case nullable
        /// Absent: the default applies. Null is not a value of the parameter's type, so it is
        /// refused as the type's validator refuses it (`name`, `enabled`, an update's `schedule`).
        case defaulted
    }

    /// The parameter's value; nil when it is not given.
    private func value(_ name: String, _ presence: Presence) throws -> JSONValue? {
        guard let v = body[name] else {
            if presence == .required { throw ServiceError.missing(name) }
            return nil
        }
        if v.isNull {
            switch presence {
            case .required: throw ServiceError.missing(name)
            case .nullable: return nil
            case .defaulted: return v
            }
        }
        return v
    }

    func string(_ name: String, _ presence: Presence) throws -> String? {
        guard let v = try value(name, presence) else { return nil }
        guard case .string(let s) = v else { throw ServiceError.argument(name, "Value must be a valid string") }
        return s
    }

    func strings(_ name: String, _ presence: Presence) throws -> [String]? {
        guard let v = try value(name, presence) else { return nil }
        guard case .array(let items) = v else { throw ServiceError.argument(name, "Value must be a valid array") }
        return try items.map {
            guard case .string(let s) = $0 else { throw ServiceError.argument(name, "Value must be an array of strings") }
            return s
        }
    }

    /// A whole number in `domain` (BackupsModels' one reader of numbers from outside).
    func integer(_ name: String, _ presence: Presence, in domain: NumberDomain<Int64>) throws -> Int64? {
        guard let v = try value(name, presence) else { return nil }
        do { return try domain.read(v) } catch { throw Self.refusal(name, error, type: "integer") }
    }

    /// A finite number in `domain`.
    func number(_ name: String, _ presence: Presence, in domain: NumberDomain<Double>) throws -> Double? {
        guard let v = try value(name, presence) else { return nil }
        do { return try domain.read(v) } catch { throw Self.refusal(name, error, type: "number") }
    }

    func bool(_ name: String, _ presence: Presence) throws -> Bool? {
        guard let v = try value(name, presence) else { return nil }
        guard case .bool(let b) = v else { throw ServiceError.argument(name, "Value must be a valid boolean") }
        return b
    }

    static func refusal(_ name: String, _ error: DomainError, type: String) -> ServiceError {
        switch error {
        case .notANumber: return ServiceError.argument(name, "Value must be a valid \(type)")
        case .outside(let expected, let got): return ServiceError.argument(name, "Value must be \(expected), got \(got)")
        }
    }
}

/// The query string of a list request: `queries[]=` (the Swift SDK) and `queries[0]=` (Node,
/// Python) both, and `total`. Whatever the bytes, parsing never fails; a value that is not of
/// the parameter's type is a 400.
struct QueryString: Sendable {
    var queries: [String] = []
    /// `total=false` asks for no count (`total: 0` in the answer).
    var total = true
    /// The `N` of `queries[N]`.
    static let index = Domains.count(upTo: Int64(Int32.max))

    init(_ raw: String?) throws {
        guard let raw, !raw.isEmpty else { return }
        var indexed: [(Int, String)] = []
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let eq = pair.firstIndex(of: "=")
            let key = Self.percentDecode(eq.map { String(pair[..<$0]) } ?? String(pair))
            let value = Self.percentDecode(eq.map { String(pair[pair.index(after: $0)...]) } ?? "")
            if key == "queries[]" || key == "queries" {
                queries.append(value)
            } else if key.hasPrefix("queries["), key.hasSuffix("]") {
                // queries[0]=..., as Node and Python send them: the index only orders them.
                let index = String(key.dropFirst(8).dropLast())
                do { indexed.append((Int(try Self.index.read(text: index)), value)) } catch {
                    throw Params.refusal("queries", error, type: "index")
                }
            } else if key == "total" {
                switch value.lowercased() {
                case "true", "1": total = true
                case "false", "0": total = false
                default: throw ServiceError.argument("total", "Value must be a valid boolean")
                }
            }
        }
        queries += indexed.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Percent-decoding that accepts anything: `+` is a space, a malformed escape stays as it
    /// is, and bytes that are not UTF-8 become U+FFFD.
    static func percentDecode(_ s: String) -> String {
        let input = Array(s.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            let b = input[i]
            if b == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else if b == UInt8(ascii: "%"), i + 2 < input.count, let hi = hex(input[i + 1]), let lo = hex(input[i + 2]) {
                bytes.append(hi << 4 | lo)
                i += 2
            } else {
                bytes.append(b)
            }
            i += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
