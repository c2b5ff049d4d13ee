import BackupsClient
import BackupsModels
import BkupJSON
import BkupKit
import Foundation

/// The parsers of outside text, each as a function of arbitrary bytes: libFuzzer drives them
/// through `bkup-fuzz` (tools/fuzz.sh), and FuzzReplayTests replays the committed corpus and the
/// kept crash inputs through the same functions. A function answers nil when the input was
/// handled (accepted or refused with an error), or what went wrong when a property of the
/// parser broke; a crash is a crash in either case.
public enum FuzzTargets {
    public typealias Target = @Sendable ([UInt8]) -> String?

    public static let all: [String: Target] = [
        "json": json, "query": query, "cron": cron, "numbers": numbers, "fleet": fleet, "plan": plan,
        "emulator": EmulatorTarget.run,
    ]

    /// JSON text: whatever decodes encodes again (plain, pretty, sorted) and decodes to the same value.
    static func json(_ bytes: [UInt8]) -> String? {
        guard let value = try? JSONCodec.decode(bytes) else { return nil }
        for options in [JSONCodec.Options(), .init(pretty: true), .init(sortKeys: true)] {
            guard let text = try? JSONCodec.encodeBytes(value, options: options) else { return "decoded but cannot encode: \(value)" }
            guard let again = try? JSONCodec.decode(text) else { return "encoded text does not decode: \(String(decoding: text, as: UTF8.self))" }
            guard again == value else { return "round trip changed \(value) into \(again)" }
        }
        return nil
    }

    /// Appwrite's query JSON: a parsed query is written the SDKs' way, and that text parses back
    /// to the same text (a fixed point); the list validation takes the same text without a crash.
    static func query(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? Validation.queries([text])
        guard let parsed = try? Query.parse(text) else { return nil }
        let written = parsed.description
        guard let again = try? Query.parse(written) else { return "wrote \(written), which does not parse" }
        guard again.description == written else { return "\(written) reads back as \(again.description)" }
        return nil
    }

    /// A cron expression (the first line) and instants to ask it about (the rest, as an ISO
    /// date and as the bits of a double): a run time after an instant is later than it, one
    /// before is earlier, and the last run before a minute after a run time is that run time.
    static func cron(_ bytes: [UInt8]) -> String? {
        let newline = bytes.firstIndex(of: 0x0A) ?? bytes.endIndex
        let text = String(decoding: bytes[..<newline], as: UTF8.self)
        guard let expression = try? CronExpression(text) else {
            guard (try? Validation.schedule(text)) == nil else { return "Validation accepts '\(text)', the parser does not" }
            return nil
        }
        _ = expression.summary
        let rest = Array(bytes[min(newline + 1, bytes.endIndex)...])
        var instants = [Date(timeIntervalSince1970: 1_767_225_600)]
        if let date = WireDate.parse(String(decoding: rest, as: UTF8.self)) { instants.append(date) }
        if rest.count >= 8 {
            let bits = rest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            instants.append(Date(timeIntervalSince1970: Double(bitPattern: bits)))
        }
        for instant in instants {
            if let next = expression.next(after: instant) {
                guard next > instant else { return "'\(text)': next after \(instant) is \(next)" }
                guard expression.previous(before: next.addingTimeInterval(60)) == next else {
                    return "'\(text)': \(next) is a run time that previous() does not find"
                }
            }
            if let previous = expression.previous(before: instant), previous >= instant {
                return "'\(text)': previous before \(instant) is \(previous)"
            }
            _ = expression.next(3, after: instant)
            _ = expression.previous(3, before: instant)
        }
        return nil
    }

    /// Numbers as text (flags, query strings, headers) through every shared domain: nothing traps,
    /// and a number reads the same whether it came as text or as JSON.
    static func numbers(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        let json = try? JSONCodec.decode(bytes)
        let integers = [Domains.retention, Domains.queryLimit, Domains.queryOffset,
                        Domains.count(upTo: Int64.max), Domains.positiveCount(upTo: 10_000)]
        let reals = [Domains.clockAdvance, Domains.speed, Domains.timeout, Domains.headerSeconds, Domains.fraction]
        for domain in integers {
            let fromText = try? domain.read(text: text)
            if let json, OutsideNumber(json) != nil, OutsideNumber(text: text) != nil, (try? domain.read(json)) != fromText {
                return "\(domain.expected): '\(text)' reads differently as text and as JSON"
            }
        }
        for domain in reals {
            if let value = try? domain.read(text: text), !value.isFinite { return "\(domain.expected): '\(text)' read as \(value)" }
        }
        return nil
    }

    /// A fleet file (JSON) read from disk as `--fleet` reads it.
    static func fleet(_ bytes: [UInt8]) -> String? {
        let path = scratch.appendingPathComponent("fleet.json").path
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return "cannot write \(path)" }
        guard let fleet = try? FleetFile.read(path) else { return nil }
        guard !fleet.members.isEmpty else { return "a fleet without members was accepted" }
        guard Set(fleet.members.map(\.name)).count == fleet.members.count else { return "a fleet with a name used twice was accepted" }
        if let n = fleet.endpointConcurrency, !(1...10_000).contains(n) { return "endpointConcurrency \(n) was accepted" }
        return nil
    }

    /// A plan file: as it is, and signed again (so that the checksum, which refuses any edit, does
    /// not stop the fuzzer at the door). What reads back writes the same file.
    static func plan(_ bytes: [UInt8]) -> String? {
        _ = try? Plan.read(bytes)
        guard case .object(var o)? = try? JSONCodec.decode(bytes) else { return nil }
        o.removeValue(forKey: "checksum")
        o["checksum"] = .string(Plan.checksum(ofUnsigned: o))
        guard let signed = try? JSONCodec.encodeBytes(.object(o)), let plan = try? Plan.read(signed) else { return nil }
        guard let again = try? Plan.read(Array(plan.fileText.utf8)), again == plan else { return "a plan read does not read back from its own file" }
        return nil
    }

    /// A folder of this process's own for targets that read files.
    static let scratch: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bkup-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()
}
