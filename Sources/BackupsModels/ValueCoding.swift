import BkupJSON
import Foundation

// Codable types to and from JSONValue directly (what Lua tables become), without JSON text: a
// host function's arguments and results, as mlua's serde conversions do. Dates are the wire's
// ISO 8601 text, as in records; integers and floats stay apart; an empty table decodes as an
// empty list or an empty record alike (Lua cannot tell them apart). Errors are worded as Lua
// words a bad argument, with the field's path: `field 'owner.team': string expected, got number`.

/// Decodes a `Decodable` value from a `JSONValue`.
public struct JSONValueDecoder: Sendable {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type = T.self, from value: JSONValue) throws -> T {
        try ValueDecoder(value: value, codingPath: []).decodeValue(T.self)
    }

    /// A decoding error in Lua's words, naming the field (nil for the value itself).
    public static func describe(_ error: DecodingError) -> (field: String?, message: String) {
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c): context = c
        @unknown default: return (nil, "\(error)")
        }
        var path = context.codingPath
        if case .keyNotFound(let key, _) = error { path.append(key) }
        let field = path.isEmpty ? nil : path.map { $0.intValue.map { "[\($0 + 1)]" } ?? $0.stringValue }
            .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        return (field, context.debugDescription)
    }
}

/// Encodes an `Encodable` value as a `JSONValue`.
public struct JSONValueEncoder: Sendable {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        // The common results, without an encoder.
        switch value {
        case let v as JSONValue: return v
        case let s as String: return .string(s)
        case let b as Bool: return .bool(b)
        case let i as Int: return .integer(Int64(i))
        case let i as Int64: return .integer(i)
        case let d as Double: return .number(d)
        default: break
        }
        let box = EncodedBox()
        try ValueEncoder(box: box, codingPath: []).encodeValue(value)
        return box.value
    }
}

// MARK: decoding

private struct ValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    static func luaType(_ v: JSONValue?) -> String {
        switch v {
        case nil: return "no value"
        case .null?: return "nil"
        case .bool?: return "boolean"
        case .integer?, .number?: return "number"
        case .string?: return "string"
        case .array?, .object?: return "table"
        }
    }

    func mismatch(_ expected: String, _ type: Any.Type) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "\(expected) expected, got \(Self.luaType(value))"))
    }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == JSONValue.self { return value as! T }
        if T.self == Date.self {
            guard case .string(let text) = value else { throw mismatch("date (ISO 8601 text)", T.self) }
            guard let date = WireDate.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "'\(text)' is not an ISO 8601 date"))
            }
            return date as! T
        }
        return try T(from: self)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch value {
        case .object(let fields): return KeyedDecodingContainer(KeyedValues<Key>(fields: fields, codingPath: codingPath))
        case .array(let items) where items.isEmpty: return KeyedDecodingContainer(KeyedValues<Key>(fields: [:], codingPath: codingPath))
        default: throw mismatch("table", [String: JSONValue].self)
        }
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch value {
        case .array(let items): return ListValues(items: items, codingPath: codingPath)
        case .object(let fields) where fields.isEmpty: return ListValues(items: [], codingPath: codingPath)
        default: throw mismatch("table", [JSONValue].self)
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleValue(decoder: self) }

    // Scalars, shared by the three containers.
    func string() throws -> String {
        guard case .string(let s) = value else { throw mismatch("string", String.self) }
        return s
    }

    func bool() throws -> Bool {
        guard case .bool(let b) = value else { throw mismatch("boolean", Bool.self) }
        return b
    }

    func double() throws -> Double {
        switch value {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: throw mismatch("number", Double.self)
        }
    }

    func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        let wide: Int64
        switch value {
        case .integer(let i): wide = i
        case .number(let d):
            guard d.rounded(.towardZero) == d, let i = Int64(exactly: d) else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "number has no integer representation"))
            }
            wide = i
        default: throw mismatch("integer", I.self)
        }
        guard let narrow = I(exactly: wide) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "\(wide) is out of range (\(I.min)...\(I.max))"))
        }
        return narrow
    }
}

private struct IndexKey: CodingKey {
    let intValue: Int?
    let stringValue: String
    init(_ i: Int) { intValue = i; stringValue = String(i) }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.init(intValue) }
}

private struct KeyedValues<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let fields: [String: JSONValue]
    let codingPath: [any CodingKey]
    var allKeys: [Key] { fields.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { fields[key.stringValue] != nil }

    func child(_ key: Key) throws -> ValueDecoder {
        guard let v = fields[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "a value expected, got no value"))
        }
        return ValueDecoder(value: v, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool { fields[key.stringValue].map(\.isNull) ?? true }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try child(key).bool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try child(key).string() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try child(key).double() }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try child(key).double()) }
    func decode(_ t: Int.Type, forKey k: Key) throws -> Int { try child(k).integer(t) }
    func decode(_ t: Int8.Type, forKey k: Key) throws -> Int8 { try child(k).integer(t) }
    func decode(_ t: Int16.Type, forKey k: Key) throws -> Int16 { try child(k).integer(t) }
    func decode(_ t: Int32.Type, forKey k: Key) throws -> Int32 { try child(k).integer(t) }
    func decode(_ t: Int64.Type, forKey k: Key) throws -> Int64 { try child(k).integer(t) }
    func decode(_ t: UInt.Type, forKey k: Key) throws -> UInt { try child(k).integer(t) }
    func decode(_ t: UInt8.Type, forKey k: Key) throws -> UInt8 { try child(k).integer(t) }
    func decode(_ t: UInt16.Type, forKey k: Key) throws -> UInt16 { try child(k).integer(t) }
    func decode(_ t: UInt32.Type, forKey k: Key) throws -> UInt32 { try child(k).integer(t) }
    func decode(_ t: UInt64.Type, forKey k: Key) throws -> UInt64 { try child(k).integer(t) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try child(key).decodeValue(T.self) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try child(key).unkeyedContainer() }
    func superDecoder() throws -> any Decoder { ValueDecoder(value: .object(fields), codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}

private struct ListValues: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(items: [JSONValue], codingPath: [any CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    mutating func next() throws -> ValueDecoder {
        let path = codingPath + [IndexKey(currentIndex)]
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: path, debugDescription: "a value expected, got no value"))
        }
        defer { currentIndex += 1 }
        return ValueDecoder(value: items[currentIndex], codingPath: path)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try next().bool() }
    mutating func decode(_ type: String.Type) throws -> String { try next().string() }
    mutating func decode(_ type: Double.Type) throws -> Double { try next().double() }
    mutating func decode(_ type: Float.Type) throws -> Float { Float(try next().double()) }
    mutating func decode(_ t: Int.Type) throws -> Int { try next().integer(t) }
    mutating func decode(_ t: Int8.Type) throws -> Int8 { try next().integer(t) }
    mutating func decode(_ t: Int16.Type) throws -> Int16 { try next().integer(t) }
    mutating func decode(_ t: Int32.Type) throws -> Int32 { try next().integer(t) }
    mutating func decode(_ t: Int64.Type) throws -> Int64 { try next().integer(t) }
    mutating func decode(_ t: UInt.Type) throws -> UInt { try next().integer(t) }
    mutating func decode(_ t: UInt8.Type) throws -> UInt8 { try next().integer(t) }
    mutating func decode(_ t: UInt16.Type) throws -> UInt16 { try next().integer(t) }
    mutating func decode(_ t: UInt32.Type) throws -> UInt32 { try next().integer(t) }
    mutating func decode(_ t: UInt64.Type) throws -> UInt64 { try next().integer(t) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(T.self) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct SingleValue: SingleValueDecodingContainer {
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.bool() }
    func decode(_ type: String.Type) throws -> String { try decoder.string() }
    func decode(_ type: Double.Type) throws -> Double { try decoder.double() }
    func decode(_ type: Float.Type) throws -> Float { Float(try decoder.double()) }
    func decode(_ t: Int.Type) throws -> Int { try decoder.integer(t) }
    func decode(_ t: Int8.Type) throws -> Int8 { try decoder.integer(t) }
    func decode(_ t: Int16.Type) throws -> Int16 { try decoder.integer(t) }
    func decode(_ t: Int32.Type) throws -> Int32 { try decoder.integer(t) }
    func decode(_ t: Int64.Type) throws -> Int64 { try decoder.integer(t) }
    func decode(_ t: UInt.Type) throws -> UInt { try decoder.integer(t) }
    func decode(_ t: UInt8.Type) throws -> UInt8 { try decoder.integer(t) }
    func decode(_ t: UInt16.Type) throws -> UInt16 { try decoder.integer(t) }
    func decode(_ t: UInt32.Type) throws -> UInt32 { try decoder.integer(t) }
    func decode(_ t: UInt64.Type) throws -> UInt64 { try decoder.integer(t) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(T.self) }
}

// MARK: encoding

/// One value being encoded: set once as a scalar, or filled as a table by a container.
private final class EncodedBox {
    enum Content { case empty, scalar(JSONValue), fields([String: EncodedBox]), items([EncodedBox]) }
    var content = Content.empty

    var value: JSONValue {
        switch content {
        case .empty: return .object([:])
        case .scalar(let v): return v
        case .fields(let f): return .object(f.mapValues(\.value))
        case .items(let i): return .array(i.map(\.value))
        }
    }

    func field(_ key: String) -> EncodedBox {
        var fields: [String: EncodedBox] = [:]
        if case .fields(let f) = content { fields = f }
        let child = EncodedBox()
        fields[key] = child
        content = .fields(fields)
        return child
    }

    func item() -> EncodedBox {
        var items: [EncodedBox] = []
        if case .items(let i) = content { items = i }
        let child = EncodedBox()
        items.append(child)
        content = .items(items)
        return child
    }
}

private struct ValueEncoder: Encoder {
    let box: EncodedBox
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func encodeValue<T: Encodable>(_ value: T) throws {
        if let v = value as? JSONValue { box.content = .scalar(v); return }
        if let date = value as? Date { box.content = .scalar(.string(WireDate.format(date))); return }
        try value.encode(to: self)
    }

    func integer<I: FixedWidthInteger>(_ value: I) throws {
        guard let wide = Int64(exactly: value) else {
            throw EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "\(value) is beyond Lua's integers"))
        }
        box.content = .scalar(.integer(wide))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .fields = box.content {} else { box.content = .fields([:]) }
        return KeyedEncodingContainer(KeyedSink<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .items = box.content {} else { box.content = .items([]) }
        return ListSink(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { ScalarSink(encoder: self) }
}

private struct KeyedSink<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: EncodedBox
    let codingPath: [any CodingKey]

    func child(_ key: Key) -> ValueEncoder { ValueEncoder(box: box.field(key.stringValue), codingPath: codingPath + [key]) }

    mutating func encodeNil(forKey key: Key) throws { child(key).box.content = .scalar(.null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { child(key).box.content = .scalar(.bool(value)) }
    mutating func encode(_ value: String, forKey key: Key) throws { child(key).box.content = .scalar(.string(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { child(key).box.content = .scalar(.number(value)) }
    mutating func encode(_ value: Float, forKey key: Key) throws { child(key).box.content = .scalar(.number(Double(value))) }
    mutating func encode(_ v: Int, forKey k: Key) throws { try child(k).integer(v) }
    mutating func encode(_ v: Int8, forKey k: Key) throws { try child(k).integer(v) }
    mutating func encode(_ v: Int16, forKey k: Key) throws { try child(k).integer(v) }
    mutating func encode(_ v: Int32, forKey k: Key) throws { try child(k).integer(v) }
    mutating func encode(_ v: Int64, forKey k: Key) throws { try child(k).integer(v) }
    mutating func encode(_ v: UInt, forKey k: Key) throws { try child(k).integer(v) }
    mutating func encode(_ v: UInt8, forKey k: Key) throws { try child(k).integer(v) }
    mutating func encode(_ v: UInt16, forKey k: Key) throws { try child(k).integer(v) }
    mutating func encode(_ v: UInt32, forKey k: Key) throws { try child(k).integer(v) }
    mutating func encode(_ v: UInt64, forKey k: Key) throws { try child(k).integer(v) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try child(key).encodeValue(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        child(key).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { child(key).unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { ValueEncoder(box: box, codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { child(key) }
}

private struct ListSink: UnkeyedEncodingContainer {
    let box: EncodedBox
    let codingPath: [any CodingKey]
    var count: Int {
        if case .items(let i) = box.content { return i.count }
        return 0
    }

    func next() -> ValueEncoder { ValueEncoder(box: box.item(), codingPath: codingPath + [IndexKey(count)]) }

    mutating func encodeNil() throws { next().box.content = .scalar(.null) }
    mutating func encode(_ value: Bool) throws { next().box.content = .scalar(.bool(value)) }
    mutating func encode(_ value: String) throws { next().box.content = .scalar(.string(value)) }
    mutating func encode(_ value: Double) throws { next().box.content = .scalar(.number(value)) }
    mutating func encode(_ value: Float) throws { next().box.content = .scalar(.number(Double(value))) }
    mutating func encode(_ v: Int) throws { try next().integer(v) }
    mutating func encode(_ v: Int8) throws { try next().integer(v) }
    mutating func encode(_ v: Int16) throws { try next().integer(v) }
    mutating func encode(_ v: Int32) throws { try next().integer(v) }
    mutating func encode(_ v: Int64) throws { try next().integer(v) }
    mutating func encode(_ v: UInt) throws { try next().integer(v) }
    mutating func encode(_ v: UInt8) throws { try next().integer(v) }
    mutating func encode(_ v: UInt16) throws { try next().integer(v) }
    mutating func encode(_ v: UInt32) throws { try next().integer(v) }
    mutating func encode(_ v: UInt64) throws { try next().integer(v) }
    mutating func encode<T: Encodable>(_ value: T) throws { try next().encodeValue(value) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        next().container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { next().unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { next() }
}

private struct ScalarSink: SingleValueEncodingContainer {
    let encoder: ValueEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.box.content = .scalar(.null) }
    mutating func encode(_ value: Bool) throws { encoder.box.content = .scalar(.bool(value)) }
    mutating func encode(_ value: String) throws { encoder.box.content = .scalar(.string(value)) }
    mutating func encode(_ value: Double) throws { encoder.box.content = .scalar(.number(value)) }
    mutating func encode(_ value: Float) throws { encoder.box.content = .scalar(.number(Double(value))) }
    mutating func encode(_ v: Int) throws { try encoder.integer(v) }
    mutating func encode(_ v: Int8) throws { try encoder.integer(v) }
    mutating func encode(_ v: Int16) throws { try encoder.integer(v) }
    mutating func encode(_ v: Int32) throws { try encoder.integer(v) }
    mutating func encode(_ v: Int64) throws { try encoder.integer(v) }
    mutating func encode(_ v: UInt) throws { try encoder.integer(v) }
    mutating func encode(_ v: UInt8) throws { try encoder.integer(v) }
    mutating func encode(_ v: UInt16) throws { try encoder.integer(v) }
    mutating func encode(_ v: UInt32) throws { try encoder.integer(v) }
    mutating func encode(_ v: UInt64) throws { try encoder.integer(v) }
    mutating func encode<T: Encodable>(_ value: T) throws { try encoder.encodeValue(value) }
}
