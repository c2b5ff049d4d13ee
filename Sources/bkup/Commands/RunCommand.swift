import BkupJSON
import BkupKit
import Foundation

/// `bkup run [options] NAME [args]`: the ready-made scripts, built into the binary, so that an
/// installed bkup runs them from any directory without the clone.
enum RunCommand {
    struct Script {
        let name: String
        let source: String
        /// The `summary` of the script's flag spec: one line for the list.
        /// Else the first sentence of its header comment ("-- demo.lua: the main job, ...").
        var summary: String {
            if let range = source.range(of: #"summary = "[^"]*""#, options: .regularExpression) {
                return String(source[range].dropFirst(11).dropLast())
            }
            guard let range = source.range(of: #"-- [\w.-]+\.lua: [^.]*"#, options: .regularExpression) else { return "" }
            let sentence = source[range].split(separator: ":", maxSplits: 1)[1].dropFirst()
            return sentence.prefix(1).uppercased() + sentence.dropFirst() + "."
        }
        /// The source as lua's loadfile reads it: a `#!` first line is skipped (kept as a comment,
        /// so that lines keep their numbers).
        var chunk: [UInt8] { Array((source.hasPrefix("#") ? "--" + source : source).utf8) }
    }

    static var scripts: [Script] {
        EmbeddedScripts.modules.map { Script(name: $0.name, source: $0.source) }
    }

    static func script(named name: String) -> Script? {
        let bare = name.hasSuffix(".lua") ? String(name.dropLast(4)) : name
        return scripts.first { $0.name == bare }
    }

    static var list: String {
        let width = (scripts.map(\.name.count).max() ?? 0) + 2
        return "Ready-made scripts (bkup run NAME --help for each one's flags):\n" + scripts.map { script in
            "  " + script.name + String(repeating: " ", count: width - script.name.count) + script.summary
        }.joined(separator: "\n")
    }

    static let usage = "usage: bkup run [options] NAME [args]\nRuns a ready-made script; options as for bkup itself (bkup --help).\n"

    /// `bkup doctor [options] [--format json]`: scripts/doctor.lua, with bkup's options (which
    /// name the service) taken apart from the script's own.
    static func doctor(_ argv: [String]) -> Int32 {
        var options: [String] = [], flags: [String] = []
        var i = 2
        while i < argv.count {
            let a = argv[i]
            if a == "--format" || a == "--help" || a.hasPrefix("--format=") {
                flags.append(a)
                if a == "--format", i + 1 < argv.count { flags.append(argv[i + 1]); i += 1 }
            } else {
                options.append(a)
            }
            i += 1
        }
        return run([argv[0], "run"] + options + ["doctor"] + flags)
    }

    /// argv is the whole command line ("bkup", "run", ...).
    static func run(_ argv: [String]) -> Int32 {
        // Parsed as `bkup [options] NAME [args]`, with NAME one of the built-in scripts.
        let shifted = [argv[0]] + argv.dropFirst(2)
        let arguments: Arguments
        do {
            arguments = try Arguments(shifted)
        } catch {
            StandardStreams.writeError("bkup run: \(error)\n\(usage)")
            return 2
        }
        if arguments.showHelp {
            print(usage + "\n" + list)
            return 0
        }
        guard let name = arguments.scriptName else {
            print(list)
            return 0
        }
        guard let script = script(named: name) else {
            StandardStreams.writeError("bkup run: no script named '\(name)'\n\(list)\n")
            return 2
        }
        return ScriptCommand.run(shifted, embedded: script)
    }
}

/// `bkup --types DIR`: the LuaCATS annotations lua-language-server reads, and a `.luarc.json`
/// that points it at them, for a project of bkup scripts.
enum TypesCommand {
    static let folder = ".bkup-types"

    static func write(into directory: String) -> Int32 {
        let files = FileManager.default
        let typesDirectory = URL(fileURLWithPath: directory).appendingPathComponent(folder)
        do {
            try files.createDirectory(at: typesDirectory, withIntermediateDirectories: true)
            for module in EmbeddedTypes.modules {
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
