import BkupCommandLine
import BkupJSON
import BkupKit
import Foundation

/// `bkup --types DIR`: the LuaCATS annotations lua-language-server reads, and a `.luarc.json`
/// that points it at them, for a project of bkup scripts.
enum TypesCommand {
    static let folder = ".bkup-types"

    static func write(into directory: String) -> Int32 {
        let files = FileManager.default
        let typesDirectory = URL(fileURLWithPath: directory).appendingPathComponent(folder)
        do {
            try files.createDirectory(at: typesDirectory, withIntermediateDirectories: true)
            for module in EditorTypeFiles.modules {
                try Data(module.source.utf8).write(to: typesDirectory.appendingPathComponent(module.name + ".lua"), options: .atomic)
            }
            let luarc = URL(fileURLWithPath: directory).appendingPathComponent(".luarc.json")
            let settings = try merged(luarc: files.fileExists(atPath: luarc.path) ? String(contentsOf: luarc, encoding: .utf8) : nil)
            try Data((settings + "\n").utf8).write(to: luarc, options: .atomic)
            print("wrote \(typesDirectory.path)/ and \(luarc.path)")
            return 0
        } catch {
            StandardStreams.writeError("bkup --types: \(error)\n")
            return 1
        }
    }

    /// An existing `.luarc.json` keeps what it says; bkup adds Lua 5.4, its types folder, and the
    /// host's globals.
    static func merged(luarc existing: String?) throws -> String {
        var object: [String: JSONValue] = [:]
        if let existing, !existing.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            guard case .object(let read) = try JSONCodec.decode(existing) else {
                throw UsageError(description: ".luarc.json holds something other than a JSON object; nothing was changed")
            }
            object = read
        }
        object["$schema"] = object["$schema"] ?? .string("https://raw.githubusercontent.com/LuaLS/vscode-lua/master/setting/schema.json")
        object["runtime.version"] = .string("Lua 5.4")
        func adding(_ key: String, _ value: String) {
            var list = object[key]?.arrayValue ?? []
            if !list.contains(.string(value)) { list.append(.string(value)) }
            object[key] = .array(list)
        }
        adding("workspace.library", folder)
        for global in ["backups", "Query", "ID", "task", "cron", "json", "help"] { adding("diagnostics.globals", global) }
        return try JSONCodec.encode(.object(object), options: .init(pretty: true, sortKeys: true))
    }
}
