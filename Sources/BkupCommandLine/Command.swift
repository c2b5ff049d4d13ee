/// Settings a command line is read into: a command's own options, or the global ones that every
/// command shares. `validate()` runs once every option has been read, for the rules that join
/// several options (two that exclude each other, one that needs another).
public protocol CommandOptions: SendableMetatype {
    init()
    mutating func validate() throws
}

extension CommandOptions {
    public mutating func validate() throws {}
}

/// A command without options of its own.
public struct NoOptions: CommandOptions, Sendable {
    public init() {}
}

/// What a command's handler is given: the global options wherever they stood, and its operands.
public struct Invocation<Global> {
    public var global: Global
    /// The whole command line, argv[0] included.
    public let argv: [String]
    /// The command's names from the root: ["bkup", "plan", "show"].
    public let path: [String]
    public let operands: [String]
    /// Where the first operand stands in argv (a script's `arg` table counts from it).
    public let operandIndex: Int?

    /// "bkup plan show", as messages name the command.
    public var commandName: String { path.joined(separator: " ") }
}

/// One command of the tree: its name, its usage, its own options, the global sections it reads,
/// its operands and its handler. Declaring it is all a new command needs: the parser, help, usage
/// errors and the man page walk the tree.
public struct Command<Global: CommandOptions>: Sendable {
    public enum Operands: Sendable {
        /// None: an extra word is a usage error.
        case none
        /// From `count.lowerBound` to `count.upperBound` operands, options standing anywhere
        /// among them ("--" ends the options).
        case some(String, ClosedRange<Int>)
        /// The first operand (a script, a name) and everything after it belong to what it names:
        /// options end there, as lua reads its command line.
        case script
    }

    public let name: String
    /// The usage lines, after the command's names: "[options] PLAN".
    public let usage: [String]
    /// One line for the parent's list of commands.
    public let summary: String
    /// What help and the man page say about it.
    public let about: String
    public let ownSections: [SectionHelp]
    /// The global sections it reads (each option of them, before or after its name).
    public let globals: [OptionSection<Global>]
    public let operands: Operands
    /// The names that show its help (bkup itself answers only --help: -h is lua's error).
    public let helpNames: [String]
    public let subcommands: [Command<Global>]
    /// A list its help and man entry show (bkup run's scripts): a heading and name/summary pairs.
    public let entries: (@Sendable () -> (title: String, items: [(name: String, summary: String)]))?
    let start: (@Sendable () -> Session<Global>)?

    public init<Own: CommandOptions>(
        _ name: String, usage: [String], summary: String, about: String = "",
        options: [OptionSection<Own>] = [], globals: [OptionSection<Global>] = [], operands: Operands = .none,
        helpNames: [String] = ["-h", "--help"], subcommands: [Command<Global>] = [],
        entries: (@Sendable () -> (title: String, items: [(name: String, summary: String)]))? = nil,
        run: @escaping @Sendable (Invocation<Global>, Own) -> Int32
    ) {
        self.name = name
        self.usage = usage
        self.summary = summary
        self.about = about
        self.ownSections = options.map(SectionHelp.init)
        self.globals = globals
        self.operands = operands
        self.helpNames = helpNames
        self.subcommands = subcommands
        self.entries = entries
        self.start = { Session(options, run) }
    }

    /// A command without options of its own.
    public init(
        _ name: String, usage: [String], summary: String, about: String = "",
        globals: [OptionSection<Global>] = [], operands: Operands = .none, helpNames: [String] = ["-h", "--help"],
        subcommands: [Command<Global>] = [],
        entries: (@Sendable () -> (title: String, items: [(name: String, summary: String)]))? = nil,
        run: @escaping @Sendable (Invocation<Global>) -> Int32
    ) {
        self.init(name, usage: usage, summary: summary, about: about, options: [OptionSection<NoOptions>](), globals: globals,
                  operands: operands, helpNames: helpNames, subcommands: subcommands, entries: entries) { invocation, _ in run(invocation) }
    }

    /// A command that only groups others (`bkup plan` of `bkup plan show`).
    public init(group name: String, summary: String, about: String = "", subcommands: [Command<Global>]) {
        self.name = name
        self.usage = subcommands.flatMap { sub in sub.usage.map { sub.name + " " + $0 } }
        self.summary = summary
        self.about = about
        self.ownSections = []
        self.globals = []
        self.operands = .none
        self.helpNames = ["-h", "--help"]
        self.subcommands = subcommands
        self.entries = nil
        self.start = nil
    }

    public func subcommand(named word: String) -> Command? {
        subcommands.first { $0.name == word }
    }

    /// Whether this command reads the global option `name`.
    func takesGlobal(_ name: String) -> Option<Global>? {
        for section in globals { if let option = section.option(named: name) { return option } }
        return nil
    }
}

/// An option as help shows it, whatever it reads into.
public struct OptionHelp: Sendable {
    public let names: [String]
    public let value: String?
    public let help: String
    public let environment: String?

    init<T>(_ option: Option<T>) {
        names = option.names
        value = option.value
        help = option.help
        environment = option.environment
    }

    init(names: [String], help: String) {
        self.names = names
        self.value = nil
        self.help = help
        self.environment = nil
    }

    public var synopsis: String { names.joined(separator: ", ") + (value.map { " " + $0 } ?? "") }
}

public struct SectionHelp: Sendable {
    public let title: String
    public let options: [OptionHelp]

    init<T>(_ section: OptionSection<T>) {
        title = section.title
        options = section.options.map(OptionHelp.init)
    }

    init(title: String, options: [OptionHelp]) {
        self.title = title
        self.options = options
    }
}

/// One reading of a command line by one command: its own options' values, then its handler.
struct Session<Global> {
    /// The own option of that name, bound to this reading's values.
    let own: (String) -> (takesValue: Bool, apply: (String) throws -> Void)?
    let validate: () throws -> Void
    let run: (Invocation<Global>) -> Int32

    init<Own: CommandOptions>(_ sections: [OptionSection<Own>], _ handler: @escaping @Sendable (Invocation<Global>, Own) -> Int32) {
        let values = Values(Own())
        own = { name in
            for section in sections {
                if let option = section.option(named: name) {
                    return (option.takesValue, { text in try option.apply(to: &values.value, text) })
                }
            }
            return nil
        }
        validate = { try values.value.validate() }
        run = { invocation in handler(invocation, values.value) }
    }
}

/// The values one reading fills in (read on one thread, from start to end).
private final class Values<T> {
    var value: T
    init(_ value: T) { self.value = value }
}
