import BkupJSON

/// Appwrite query strings, byte-identical to the official SDKs' (`JSON.stringify` of
/// `{method, attribute, values}` with absent fields left out, scalars wrapped in `values`).
public struct Query: Sendable, Hashable, CustomStringConvertible {
    public let method: String
    public let attribute: String?
    public let values: [JSONValue]?

    public static let methods: Set<String> = [
        "equal", "notEqual", "lessThan", "lessThanEqual", "greaterThan", "greaterThanEqual", "between",
        "isNull", "isNotNull", "startsWith", "endsWith", "contains", "search", "select", "orderAsc",
        "orderDesc", "orderRandom", "limit", "offset", "cursorAfter", "cursorBefore", "or", "and",
    ]

    public init(method: String, attribute: String? = nil, values: [JSONValue]? = nil) {
        self.method = method
        self.attribute = attribute
        self.values = values
    }

    /// The wire string.
    public var description: String {
        var out: [UInt8] = []
        Query.write(self, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    var json: JSONValue {
        var o: [String: JSONValue] = ["method": .string(method)]
        if let attribute { o["attribute"] = .string(attribute) }
        if let values { o["values"] = .array(values) }
        return .object(o)
    }

    static func write(_ q: Query, into out: inout [UInt8]) {
        out.append(contentsOf: #"{"method":"#.utf8)
        JSONCodec.appendString(q.method, into: &out)
        if let a = q.attribute {
            out.append(contentsOf: #","attribute":"#.utf8)
            JSONCodec.appendString(a, into: &out)
        }
        if let values = q.values {
            out.append(contentsOf: #","values":["#.utf8)
            for (i, v) in values.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeValue(v, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Values as JavaScript's JSON.stringify writes them (a nested query keeps key order
    /// method, attribute, values; whole floats lose their ".0").
    static func writeValue(_ v: JSONValue, into out: inout [UInt8]) {
        switch v {
        case .number(let d):
            if d.isFinite, d == d.rounded(), abs(d) < 1e21 {
                if abs(d) < 9e18 { out.append(contentsOf: String(Int64(d)).utf8) } else { out.append(contentsOf: String(format: "%.0f", d).utf8) }
            } else if d.isFinite {
                out.append(contentsOf: "\(d)".utf8)
            } else {
                out.append(contentsOf: "null".utf8)
            }
        case .object(let o) where o["method"] != nil:
            if let q = Query(json: v) { write(q, into: &out) } else { try? JSONCodec.encode(v, into: &out, options: .init(sortKeys: true), depth: 0) }
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeValue(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        default:
            // Sorted keys: an object value is written the same way every time (a dictionary's
            // own order changes from one process to the next; found by the query fuzz target).
            try? JSONCodec.encode(v, into: &out, options: .init(sortKeys: true), depth: 0)
        }
    }

    // MARK: the SDK's builders

    private static func wrap(_ value: JSONValue) -> [JSONValue] {
        if case .array(let a) = value { return a }
        return [value]
    }

    public static func equal(_ attribute: String, _ value: JSONValue) -> Query { Query(method: "equal", attribute: attribute, values: wrap(value)) }
    public static func notEqual(_ attribute: String, _ value: JSONValue) -> Query { Query(method: "notEqual", attribute: attribute, values: wrap(value)) }
    public static func lessThan(_ attribute: String, _ value: JSONValue) -> Query { Query(method: "lessThan", attribute: attribute, values: wrap(value)) }
    public static func lessThanEqual(_ attribute: String, _ value: JSONValue) -> Query { Query(method: "lessThanEqual", attribute: attribute, values: wrap(value)) }
    public static func greaterThan(_ attribute: String, _ value: JSONValue) -> Query { Query(method: "greaterThan", attribute: attribute, values: wrap(value)) }
    public static func greaterThanEqual(_ attribute: String, _ value: JSONValue) -> Query { Query(method: "greaterThanEqual", attribute: attribute, values: wrap(value)) }
    public static func between(_ attribute: String, _ start: JSONValue, _ end: JSONValue) -> Query { Query(method: "between", attribute: attribute, values: [start, end]) }
    public static func isNull(_ attribute: String) -> Query { Query(method: "isNull", attribute: attribute) }
    public static func isNotNull(_ attribute: String) -> Query { Query(method: "isNotNull", attribute: attribute) }
    public static func startsWith(_ attribute: String, _ value: String) -> Query { Query(method: "startsWith", attribute: attribute, values: [.string(value)]) }
    public static func endsWith(_ attribute: String, _ value: String) -> Query { Query(method: "endsWith", attribute: attribute, values: [.string(value)]) }
    public static func contains(_ attribute: String, _ value: JSONValue) -> Query { Query(method: "contains", attribute: attribute, values: wrap(value)) }
    public static func search(_ attribute: String, _ value: String) -> Query { Query(method: "search", attribute: attribute, values: [.string(value)]) }
    public static func select(_ attributes: [String]) -> Query { Query(method: "select", values: attributes.map { .string($0) }) }
    public static func orderAsc(_ attribute: String) -> Query { Query(method: "orderAsc", attribute: attribute) }
    public static func orderDesc(_ attribute: String) -> Query { Query(method: "orderDesc", attribute: attribute) }
    public static func orderRandom() -> Query { Query(method: "orderRandom") }
    public static func limit(_ n: Int) -> Query { Query(method: "limit", values: [.integer(Int64(n))]) }
    public static func offset(_ n: Int) -> Query { Query(method: "offset", values: [.integer(Int64(n))]) }
    public static func cursorAfter(_ id: String) -> Query { Query(method: "cursorAfter", values: [.string(id)]) }
    public static func cursorBefore(_ id: String) -> Query { Query(method: "cursorBefore", values: [.string(id)]) }
    public static func or(_ queries: [Query]) -> Query { Query(method: "or", values: queries.map(\.json)) }
    public static func and(_ queries: [Query]) -> Query { Query(method: "and", values: queries.map(\.json)) }

    // MARK: parsing (the server side)

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    init?(json: JSONValue) {
        guard case .object(let o) = json, case .string(let m)? = o["method"] else { return nil }
        method = m
        attribute = o["attribute"]?.stringValue
        values = o["values"]?.arrayValue
    }

    /// Parses a query string as the server does.
    public static func parse(_ text: String) throws(ParseError) -> Query {
        let value: JSONValue
        do {
            value = try JSONCodec.decode(text)
        } catch {
            throw ParseError(description: "Invalid query: \(error)")
        }
        return try parse(value)
    }

    static func parse(_ value: JSONValue) throws(ParseError) -> Query {
        guard case .object(let o) = value else { throw ParseError(description: "Invalid query: a query must be a JSON object") }
        guard case .string(let method)? = o["method"] else { throw ParseError(description: "Invalid query: method is missing") }
        guard methods.contains(method) else { throw ParseError(description: "Invalid query method: \(method)") }
        var attribute: String?
        if let a = o["attribute"] {
            guard case .string(let s) = a else { throw ParseError(description: "Invalid query: attribute must be a string") }
            attribute = s.isEmpty ? nil : s
        }
        var values: [JSONValue]?
        if let v = o["values"] {
            guard case .array(let a) = v else { throw ParseError(description: "Invalid query: values must be an array") }
            values = a
        }
        if method == "or" || method == "and" {
            var nested: [JSONValue] = []
            for item in values ?? [] { nested.append(try parse(item).json) }
            guard nested.count >= 2 else { throw ParseError(description: "Invalid query: \(method) queries require at least two queries") }
            values = nested
        }
        return Query(method: method, attribute: attribute, values: values)
    }

    /// The nested queries of `or` / `and`.
    public var subqueries: [Query] {
        (values ?? []).compactMap { Query(json: $0) }
    }
}

extension Query {
    /// `equal` over any number of values, split into queries that each stay well inside the
    /// service's limits (50 values and about 3,000 characters each, against 100 and 4,096).
    public static func equalAny(_ attribute: String, _ values: [JSONValue]) -> [Query] {
        var queries: [Query] = []
        var chunk: [JSONValue] = []
        var length = 0
        for v in values {
            var encoded: [UInt8] = []
            writeValue(v, into: &encoded)
            let size = encoded.count + 1
            if chunk.count == 50 || (length + size > 3000 && !chunk.isEmpty) {
                queries.append(.equal(attribute, .array(chunk)))
                chunk = []
                length = 0
            }
            chunk.append(v)
            length += size
        }
        if !chunk.isEmpty { queries.append(.equal(attribute, .array(chunk))) }
        return queries
    }
}
