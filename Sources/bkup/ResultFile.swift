import BkupKit
import Foundation

/// `--result-file PATH`: what the last run returned, or why it failed, as one JSON object for a
/// parent process (`IsolatedRun`): `{"ok": true, "results": [...]}` or
/// `{"ok": false, "error": "...", "stop": "timeout"}`. Written whole (a temporary file renamed),
/// so a reader never sees half of it.
struct ResultFile {
    let path: String?
    let host: BkupHost

    func succeeded(_ values: [JSONValue]) { write(["ok": true, "results": .array(values)]) }

    func exited(_ code: Int32) { write(["ok": true, "results": .array([]), "exit": .integer(Int64(code))]) }

    func failed(_ message: String) {
        var o: [String: JSONValue] = ["ok": false, "error": .string(message)]
        if let stop = host.lastStop { o["stop"] = .string(stop.name) }
        write(.object(o))
    }

    private func write(_ value: JSONValue) {
        guard let path else { return }
        let temporary = path + ".partial"
        guard let bytes = try? JSONCodec.encodeBytes(value, options: .init(sortKeys: true)),
            FileManager.default.createFile(atPath: temporary, contents: Data(bytes))
        else { return }
        _ = rename(temporary, path)
    }
}
