/// The commands of a program as one tree, read as swift-argument-parser descends its commands and
/// lua.c collects its arguments: options are taken as given until the command's name is known,
/// then read by that command (its own options first, then the global sections it takes), so a
/// global option reads the same before or after the command's name. A script-like command's
/// options end at its first operand: what follows belongs to the script.
public struct CommandTree<Global: CommandOptions>: Sendable {
    public let root: Command<Global>

    public init(_ root: Command<Global>) {
        self.root = root
        assert(Self.problems(root).isEmpty, "command tree: \(Self.problems(root))")
    }

    public enum Outcome {
        /// Run the command: its exit status.
        case run(() -> Int32)
        /// Print this (to standard output) and end with status 0.
        case help(String)
        /// Print this (to standard error) and end with status 2.
        case usageError(String)
    }

    /// An option as written, kept until the command that reads it is known.
    private struct Given {
        let argument: String
        let name: String
        let value: String?
    }

    /// Who reads an option: the command's help, one of its own options, or a global one.
    private enum Reading {
        case help
        case own(takesValue: Bool, apply: (String) throws -> Void)
        case global(Option<Global>)

        var takesValue: Bool {
            switch self {
            case .help: false
            case .own(let takes, _): takes
            case .global(let option): option.takesValue
            }
        }
    }

    public func parse(_ argv: [String]) -> Outcome {
        let progname = argv.first.flatMap { $0.isEmpty ? nil : $0 } ?? root.name
        var path = [root]
        var given: [Given] = []
        var i = 1
        // Until the command is known, an option is only taken apart: its value is the next
        // argument if the option of that name takes one anywhere in the tree.
        while i < argv.count, !path.last!.subcommands.isEmpty {
            let argument = argv[i]
            if !argument.hasPrefix("-"), let sub = path.last!.subcommand(named: argument) {
                path.append(sub)
                i += 1
                continue
            }
            // An operand ("-" and "--" too): the command is the one reached so far.
            if argument == "-" || argument == "--" || !argument.hasPrefix("-") { break }
            let (name, attached) = Self.split(argument)
            var value = attached
            if attached == nil, takesValue(name) {
                i += 1
                guard i < argv.count else { return usageError(path, progname, "'\(name)' needs argument") }
                value = argv[i]
            }
            given.append(Given(argument: argument, name: name, value: value))
            i += 1
        }
        let command = path.last!
        let names = path.map(\.name)
        guard let start = command.start else {
            let which = command.subcommands.map(\.name).joined(separator: ", ")
            let message = i < argv.count ? "no command '\(argv[i])'; \(command.name) has \(which)" : "which command? \(which)"
            if given.contains(where: { command.helpNames.contains($0.name) }) { return .help(helpText(path, progname: progname)) }
            return usageError(path, progname, message)
        }
        let session = start()
        var global = Global()
        var wantsHelp = false
        var operands: [String] = []
        var operandIndex: Int?

        /// Who reads an option of this name: the command's help, its own options, then the
        /// global sections it takes.
        func reading(_ argument: String, _ name: String) throws -> Reading {
            if command.helpNames.contains(name) { return .help }
            if let own = session.own(name) { return .own(takesValue: own.takesValue, apply: own.apply) }
            if let option = command.takesGlobal(name) { return .global(option) }
            throw UsageError(elsewhere(name, argument, names) ?? unrecognized(argument, names))
        }
        func apply(_ reading: Reading, _ argument: String, _ name: String, _ value: String?) throws {
            let text: String
            if reading.takesValue {
                guard let value else { throw UsageError("'\(name)' needs argument") }
                text = value
            } else {
                // A flag takes nothing: "-iv" and "--dry-run=yes" are not what was meant.
                guard value == nil else { throw UsageError(unrecognized(argument, names)) }
                text = ""
            }
            switch reading {
            case .help: wantsHelp = true
            case .own(_, let apply): try apply(text)
            case .global(let option): try option.apply(to: &global, text)
            }
        }

        do {
            for option in given { try apply(try reading(option.argument, option.name), option.argument, option.name, option.value) }
            reading: while i < argv.count {
                let argument = argv[i]
                if argument == "--" {
                    i += 1
                    if i < argv.count { operandIndex = operandIndex ?? i }
                    operands += argv[i...]
                    break reading
                }
                if argument == "-" || !argument.hasPrefix("-") {
                    switch command.operands {
                    case .script:
                        operandIndex = i
                        operands = Array(argv[i...])
                        break reading
                    case .none:
                        throw UsageError("unexpected argument '\(argument)'")
                    case .some:
                        operandIndex = operandIndex ?? i
                        operands.append(argument)
                        i += 1
                        continue reading
                    }
                }
                let (name, attached) = Self.split(argument)
                let who = try reading(argument, name)
                var value = attached
                if who.takesValue && attached == nil && i + 1 < argv.count {
                    i += 1
                    value = argv[i]
                }
                try apply(who, argument, name, value)
                i += 1
            }
            if wantsHelp { return .help(helpText(path, progname: progname)) }
            if case .none = command.operands, let extra = operands.first { throw UsageError("unexpected argument '\(extra)'") }
            if case .some(let placeholder, let count) = command.operands {
                if operands.count < count.lowerBound { throw UsageError("\(placeholder) expected") }
                if operands.count > count.upperBound {
                    throw UsageError(count.upperBound == 1 ? "one \(placeholder) at a time, got \(operands.count): \(operands.joined(separator: " "))"
                                     : "unexpected argument '\(operands[count.upperBound])'")
                }
            }
            try session.validate()
            try global.validate()
        } catch {
            return usageError(path, progname, "\(error)")
        }
        let invocation = Invocation(global: global, argv: argv, path: names, operands: operands, operandIndex: operandIndex)
        return .run { session.run(invocation) }
    }

    /// "--name=value" → ("--name", "value"); "-eCODE" → ("-e", "CODE"), as lua reads it.
    static func split(_ argument: String) -> (String, String?) {
        if argument.hasPrefix("--") {
            guard let eq = argument.firstIndex(of: "=") else { return (argument, nil) }
            return (String(argument[..<eq]), String(argument[argument.index(after: eq)...]))
        }
        let name = String(argument.prefix(2))
        return (name, argument.count > 2 ? String(argument.dropFirst(2)) : nil)
    }

    /// Whether an option of this name takes a value, wherever it is declared.
    func takesValue(_ name: String) -> Bool {
        var found = false
        walk(root) { command in
            for section in command.ownSections { if let o = section.options.first(where: { $0.names.contains(name) }) { found = found || o.value != nil } }
            if let o = command.takesGlobal(name) { found = found || o.takesValue }
        }
        return found
    }

    func unrecognized(_ argument: String, _ names: [String]) -> String {
        "unrecognized option '\(argument)'" + (names.count > 1 ? " for \(names.joined(separator: " "))" : "")
    }

    /// An option that exists in the tree but not for this command: where it does apply.
    func elsewhere(_ name: String, _ argument: String, _ names: [String]) -> String? {
        var global: (title: String, commands: [String])?
        var own: [String] = []
        walk(root, path: []) { command, path in
            let here = path.joined(separator: " ")
            if let section = command.globals.first(where: { $0.option(named: name) != nil }) {
                global = (section.title, (global?.commands ?? []) + [here])
            }
            if command.ownSections.contains(where: { $0.options.contains { $0.names.contains(name) } }) { own.append(here) }
        }
        let this = names.joined(separator: " ")
        if let global {
            return "\(name) (\(global.title)) does not apply to \(this); " + Self.list(global.commands) + " read it"
        }
        guard !own.isEmpty else { return nil }
        return "unrecognized option '\(argument)' for \(this): it is an option of " + Self.list(own)
            + (own.count == 1 ? ", after its name" : "")
    }

    static func list(_ words: [String]) -> String {
        words.count > 1 ? words.dropLast().joined(separator: ", ") + " and " + words.last! : words.joined()
    }

    func usageError(_ path: [Command<Global>], _ progname: String, _ message: String) -> Outcome {
        let who = path.count == 1 ? progname : path.map(\.name).joined(separator: " ")
        return .usageError("\(who): \(message)\n" + shortUsage(path, progname: progname))
    }

    /// What a usage error prints after its message: as lua's, short.
    func shortUsage(_ path: [Command<Global>], progname: String) -> String {
        let who = path.count == 1 ? progname : path.map(\.name).joined(separator: " ")
        let command = path.last!
        let lines = command.usage.enumerated().map { n, line in (n == 0 ? "usage: " : "       ") + who + " " + line }
        return lines.joined(separator: "\n") + "\n(\(who) --help lists the options)"
    }

    /// Every command under `command` (itself first), with its path of names.
    func walk(_ command: Command<Global>, path: [String] = [], _ visit: (Command<Global>, [String]) -> Void) {
        let here = path + [command.name]
        visit(command, here)
        for sub in command.subcommands { walk(sub, path: here, visit) }
    }

    func walk(_ command: Command<Global>, _ visit: (Command<Global>) -> Void) {
        walk(command, path: []) { c, _ in visit(c) }
    }

    /// The command at this path of names below the root ("plan", "show"), if there is one.
    public func command(at names: [String]) -> [Command<Global>]? {
        var path = [root]
        for name in names {
            guard let sub = path.last!.subcommand(named: name) else { return nil }
            path.append(sub)
        }
        return path
    }

    /// What would make the tree read badly: one name that is a flag in one place and takes a
    /// value in another (options before a command's name are taken apart by name alone), and
    /// an option of a command that its global sections also hold with another arity.
    static func problems(_ root: Command<Global>) -> [String] {
        var arity: [String: Bool] = [:]
        var problems: [String] = []
        func note(_ names: [String], _ takes: Bool) {
            for name in names {
                if let known = arity[name], known != takes { problems.append("\(name) is a flag in one place and takes a value in another") }
                arity[name] = takes
            }
        }
        func visit(_ command: Command<Global>) {
            for section in command.ownSections { for o in section.options { note(o.names, o.value != nil) } }
            for section in command.globals { for o in section.options { note(o.names, o.takesValue) } }
            note(command.helpNames, false)
            command.subcommands.forEach(visit)
        }
        visit(root)
        return problems
    }
}
