import BkupCommandLine
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
        return listTitle + ":\n" + scripts.map { script in
            "  " + script.name + String(repeating: " ", count: width - script.name.count) + script.summary
        }.joined(separator: "\n")
    }

    static let listTitle = "Ready-made scripts (bkup run NAME --help for each one's flags)"

    static let command = Command<Arguments>(
        "run", usage: ["[options] NAME [args]"], summary: "run a ready-made script (bkup run lists them)",
        about: "Runs a ready-made script built into bkup, from any directory; without NAME, lists them. "
            + "Options as for a script go before NAME; what follows NAME is the script's (bkup run NAME --help: its flags).",
        globals: Arguments.scriptSections, operands: .script,
        entries: { (listTitle, scripts.map { ($0.name, $0.summary) }) }
    ) { invocation in
        guard let name = invocation.operands.first else {
            print(list)
            return 0
        }
        guard let script = script(named: name) else {
            StandardStreams.writeError("bkup run: no script named '\(name)'\n\(list)\n")
            return 2
        }
        return ScriptCommand.run(invocation.global.running(invocation.argv, scriptAt: invocation.operandIndex), embedded: script)
    }
}
