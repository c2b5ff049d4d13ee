/// Help and the man page, written by walking the tree: what `--help` lists is what the parser
/// reads, for every command.
extension CommandTree {
    /// `--help` of the command at the end of `path`; the root's usage names the program as
    /// it was started (as lua's does).
    func helpText(_ path: [Command<Global>], progname: String) -> String {
        let command = path.last!
        let who = path.count == 1 ? progname : path.map(\.name).joined(separator: " ")
        var lines = command.usage.enumerated().map { n, line in (n == 0 ? "usage: " : "       ") + who + " " + line }
        if !command.about.isEmpty { lines += Self.wrapped(command.about, width: 100) }
        for section in sections(of: command, path: path) {
            lines.append(section.title + ":")
            lines += section.options.map(Self.line)
        }
        let commands = leaves(below: path)
        if !commands.isEmpty {
            lines.append("Commands:")
            for (usage, summary) in commands { lines += Self.aligned("  " + usage, summary, width: 36) }
        }
        if let entries = command.entries?() {
            lines.append(entries.title + ":")
            let width = (entries.items.map(\.name.count).max() ?? 0) + 4
            for item in entries.items { lines += Self.aligned("  " + item.name, item.summary, width: width) }
        }
        return lines.joined(separator: "\n")
    }

    /// Help for the command at `names` below the root (nil: no such command).
    public func helpText(for names: [String], progname: String) -> String? {
        command(at: names).map { helpText($0, progname: progname) }
    }

    /// The root's help.
    public func helpText(progname: String) -> String { helpText([root], progname: progname) }

    /// A command's own sections (its help option in the first), then the global ones it takes.
    func sections(of command: Command<Global>, path: [Command<Global>]) -> [SectionHelp] {
        var own = command.ownSections
        let help = OptionHelp(names: command.helpNames, help: "show this help, then end")
        if own.isEmpty {
            own = [SectionHelp(title: "Options of " + path.map(\.name).joined(separator: " "), options: [help])]
        } else {
            own[0] = SectionHelp(title: own[0].title, options: own[0].options + [help])
        }
        return own + command.globals.map(SectionHelp.init)
    }

    /// The usage lines of every runnable command below `path`, with their summaries.
    func leaves(below path: [Command<Global>]) -> [(String, String)] {
        var found: [(String, String)] = []
        func visit(_ command: Command<Global>, _ names: [String]) {
            let here = names + [command.name]
            if command.start != nil, let first = command.usage.first {
                found.append((here.joined(separator: " ") + " " + first, command.summary))
            }
            for sub in command.subcommands { visit(sub, here) }
        }
        let base = path.map(\.name)
        for sub in path.last!.subcommands { visit(sub, base) }
        return found
    }

    static func line(_ option: OptionHelp) -> String {
        var help = option.help
        if let variable = option.environment { help += " (env \(variable))" }
        return aligned("  " + option.synopsis, help, width: 24).joined(separator: "\n")
    }

    /// Words in lines of at most `width` characters.
    static func wrapped(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// `left` in a column of `width`, then `text`; on a line of its own when it is wider.
    static func aligned(_ left: String, _ text: String, width: Int) -> [String] {
        if left.count + 1 > width { return [left, String(repeating: " ", count: width) + text] }
        return [left + String(repeating: " ", count: width - left.count) + text]
    }
}

/// What a man page says besides the commands and options.
public struct ManPageInfo: Sendable {
    public var title: String
    public var version: String
    /// The NAME line's description ("Lua 5.4 with ...").
    public var tagline: String
    public var description: String
    /// A paragraph at the top of OPTIONS (how options and commands combine).
    public var optionsNote: String
    public var environment: [(String, String)]
    public var exitStatus: String
    public var examples: [String]
    public var seeAlso: String

    public init(title: String, version: String, tagline: String, description: String, optionsNote: String,
                environment: [(String, String)], exitStatus: String, examples: [String], seeAlso: String) {
        self.title = title
        self.version = version
        self.tagline = tagline
        self.description = description
        self.optionsNote = optionsNote
        self.environment = environment
        self.exitStatus = exitStatus
        self.examples = examples
        self.seeAlso = seeAlso
    }
}

extension CommandTree {
    /// The manual page, as roff: every command's usage, the global sections once (with the
    /// commands that read each), every command's own options, and the environment variables
    /// the options name.
    public func manPage(_ info: ManPageInfo) -> String {
        let e = Self.roff
        let name = root.name
        var page = ".TH \(info.title) 1 \"\" \"\(e(info.version))\" \"User Commands\"\n.SH NAME\n\(e(name)) \\- \(e(info.tagline))\n.SH SYNOPSIS\n"
        var runnable: [([String], Command<Global>)] = []
        walk(root, path: []) { command, names in if command.start != nil { runnable.append((names, command)) } }
        page += runnable.flatMap { names, command in
            command.usage.map { ".B \(e(names.joined(separator: " ")))\n\(e($0))\n" }
        }.joined(separator: ".br\n")
        page += ".SH DESCRIPTION\n\(e(info.description))\n"

        page += ".SH OPTIONS\n\(e(info.optionsNote))\n"
        for section in sections(of: root, path: [root]).prefix(max(1, root.ownSections.count)) { page += Self.roffSection(section) }
        // Each global section once, with the commands that read it (and what of it, for one
        // that takes only part).
        var readers: [(section: OptionSection<Global>, commands: [(String, [String])])] = []
        for (names, command) in runnable {
            for section in command.globals {
                let reader = (names.joined(separator: " "), section.options.map(\.name))
                if let at = readers.firstIndex(where: { $0.section.title == section.title }) {
                    readers[at].commands.append(reader)
                    if section.options.count > readers[at].section.options.count { readers[at].section = section }
                } else {
                    readers.append((section, [reader]))
                }
            }
        }
        for (section, commands) in readers {
            let whole = commands.filter { $0.1.count == section.options.count }.map(\.0)
            let part = commands.filter { $0.1.count < section.options.count }.map { "\($0.0) only \(Self.list($0.1))" }
            page += Self.roffSection(SectionHelp(section), note: "Read by " + Self.list(whole + part) + ".")
        }

        page += ".SH COMMANDS\n"
        for (names, command) in runnable.dropFirst() {
            page += ".TP\n.B \(e(names.joined(separator: " ")))\n\(e(command.about.isEmpty ? command.summary : command.about))"
            if !command.globals.isEmpty {
                page += " " + e("Global options: " + Self.list(command.globals.map(\.title)) + " (see OPTIONS).")
            }
            page += "\n"
            let own = command.ownSections.flatMap(\.options)
            if !own.isEmpty { page += ".RS\n" + own.map(Self.roffOption).joined() + ".RE\n" }
            if let entries = command.entries?() {
                page += ".RS\n" + entries.items.map { ".TP\n.B \(e($0.name))\n\(e($0.summary))\n" }.joined() + ".RE\n"
            }
        }

        page += ".SH ENVIRONMENT\n"
        var variables: [(String, String)] = []
        walk(root, path: []) { command, names in
            let options = command.ownSections.flatMap(\.options) + command.globals.flatMap { $0.options.map(OptionHelp.init) }
            for option in options {
                guard let variable = option.environment, !variables.contains(where: { $0.0 == variable }) else { continue }
                let whose = names.count == 1 ? "" : names.joined(separator: " ") + "'s "
                variables.append((variable, "as \(whose)\(option.names.last!): \(option.help)"))
            }
        }
        for (variable, help) in variables + info.environment { page += ".TP\n.B \(e(variable))\n\(e(help))\n" }
        page += ".SH EXIT STATUS\n\(e(info.exitStatus))\n.SH EXAMPLES\n.nf\n" + info.examples.map { e($0) + "\n" }.joined() + ".fi\n"
        page += ".SH SEE ALSO\n\(info.seeAlso)\n"
        return page
    }

    static func roffSection(_ section: SectionHelp, note: String? = nil) -> String {
        ".SS \(roff(section.title))\n" + (note.map { roff($0) + "\n" } ?? "") + section.options.map(roffOption).joined()
    }

    static func roffOption(_ option: OptionHelp) -> String {
        let names = option.names.map { "\\fB\(roff($0))\\fR" }.joined(separator: ", ")
        return ".TP\n" + names + (option.value.map { " \\fI\(roff($0))\\fR" } ?? "") + "\n"
            + roff(option.help + (option.environment.map { " (environment: \($0))" } ?? "")) + "\n"
    }

    /// Text as roff prints it: backslashes and hyphens escaped, no line taken for a request.
    static func roff(_ text: String) -> String {
        var out = ""
        var lineStart = true
        for character in text {
            if lineStart && (character == "." || character == "'") { out += "\\&" }
            switch character {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            default: out.append(character)
            }
            lineStart = character == "\n"
        }
        return out
    }
}
