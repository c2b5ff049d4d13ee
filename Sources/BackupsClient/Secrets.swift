import BkupJSON
import Foundation
import Synchronization

/// The API keys this process knows, and their removal from any text that leaves it: errors
/// (whatever a server or proxy echoed), logs, printed lines. A key also appears the ways a
/// server may echo it: JSON-escaped and percent-encoded.
///
/// Keys shorter than `minimumLength` are not redacted: a one-letter test key would garble
/// every text; a real Appwrite key is long.
public final class Secrets: Sendable {
    public static let shared = Secrets()
    public static let placeholder = "<redacted>"
    public static let minimumLength = 8
    private let needles = Mutex<[String]>([])

    public func register(_ key: APIKey) {
        let value = key.value
        guard value.utf8.count >= Self.minimumLength else { return }
        var forms = [value, percentEncode(value)]
        var escaped: [UInt8] = []
        JSONCodec.appendString(value, into: &escaped)
        forms.append(String(decoding: escaped.dropFirst().dropLast(), as: UTF8.self))
        needles.withLock { list in
            for form in forms where !list.contains(form) { list.append(form) }
            list.sort { $0.utf8.count > $1.utf8.count }  // a longer form first: it may hold a shorter one
        }
    }

    /// Redacts a stream written in pieces: `pending` is what the last call held back, a tail
    /// that could be the start of a key; it is held until the next piece (or `flush`) shows
    /// whether it is one. Returns what may be written now.
    public func redactStream(_ chunk: UnsafeRawBufferPointer, pending: inout [UInt8]) -> [UInt8] {
        let list = needles.withLock { $0 }.map { Array($0.utf8) }
        var bytes = pending
        bytes.append(contentsOf: chunk)
        pending.removeAll(keepingCapacity: true)
        guard !list.isEmpty else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        scan: while i < bytes.count {
            for needle in list where bytes[i] == needle[0] && bytes.count - i >= needle.count {
                if bytes[i..<i + needle.count].elementsEqual(needle) {
                    out.append(contentsOf: Self.placeholder.utf8)
                    i += needle.count
                    continue scan
                }
            }
            // A tail that could still become a key once the next piece arrives.
            let rest = bytes.count - i
            if list.contains(where: { rest < $0.count && $0.starts(with: bytes[i...]) }) {
                pending = Array(bytes[i...])
                break
            }
            out.append(bytes[i])
            i += 1
        }
        return out
    }

    /// `text` with every known key replaced by `<redacted>`.
    public func redact(_ text: String) -> String {
        let list = needles.withLock { $0 }
        guard !list.isEmpty else { return text }
        var out = text
        for needle in list where out.contains(needle) {
            out = out.replacingOccurrences(of: needle, with: Self.placeholder)
        }
        return out
    }
}
