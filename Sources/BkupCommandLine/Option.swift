/// One option of a command line: its names, its value, the line of help that `--help` and the
/// man page print, what it does to the settings it is read into, and (for the options a parent
/// hands to a child bkup) the arguments that give the same setting again. Help, the man page,
/// the parser and `IsolatedRun`'s child all read this one declaration.
public struct Option<Target>: Sendable {
    /// "--endpoint", or a one-letter "-e" (whose value may be attached: -eCODE, as lua reads it).
    public let names: [String]
    /// The value's placeholder in help ("URL"); nil for a flag.
    public let value: String?
    public let help: String
    /// The environment variable that gives the same setting, for help and the man page.
    public let environment: String?
    let set: @Sendable (inout Target, String) throws -> Void
    /// The arguments that give `target`'s setting to another bkup (none when it is unset); nil
    /// for an option that is never handed on.
    let handOn: (@Sendable (Target) -> [String])?

    /// `arguments`: what gives a target's setting to a child bkup (`IsolatedRun`), for the
    /// options that are handed on.
    public init(_ names: String..., value: String? = nil, environment: String? = nil, help: String,
                arguments: (@Sendable (Target) -> [String])? = nil,
                apply: @escaping @Sendable (inout Target, String) throws -> Void) {
        self.init(names: names, value: value, environment: environment, help: help, arguments: arguments, apply: apply)
    }

    public init(names: [String], value: String?, environment: String?, help: String,
                arguments: (@Sendable (Target) -> [String])?, apply: @escaping @Sendable (inout Target, String) throws -> Void) {
        precondition(!names.isEmpty, "an option has a name")
        self.names = names
        self.value = value
        self.environment = environment
        self.help = help
        self.handOn = arguments
        self.set = apply
    }

    /// The long name, as messages name the option ("--endpoint").
    public var name: String { names.last! }
    public var takesValue: Bool { value != nil }

    /// "-e stat", "--endpoint URL", "-h, --help"
    public var synopsis: String {
        names.joined(separator: ", ") + (value.map { " " + $0 } ?? "")
    }

    /// Reads `text` (the value; "" for a flag) into `target`.
    public func apply(to target: inout Target, _ text: String) throws {
        try set(&target, text)
    }

    /// The arguments that give `target`'s setting to a child process; nil if never handed on.
    public func arguments(for target: Target) -> [String]? {
        handOn?(target)
    }

    /// The same option with other help (the same flag means something more exact in one command).
    public func helping(_ help: String) -> Option {
        Option(names: names, value: value, environment: environment, help: help, arguments: handOn, apply: set)
    }

    /// The same option reading into a part of a larger target.
    public func lifted<Outer>(_ part: WritableKeyPath<Outer, Target> & Sendable) -> Option<Outer> {
        let set = self.set, handOn = self.handOn
        return Option<Outer>(names: names, value: value, environment: environment, help: help,
                             arguments: handOn.map { hand in { @Sendable outer in hand(outer[keyPath: part]) } },
                             apply: { outer, text in try set(&outer[keyPath: part], text) })
    }
}

/// A group of options under one heading: a command takes a section whole, so that help, the
/// man page and the parser agree on which options a command reads.
public struct OptionSection<Target>: Sendable {
    public let title: String
    public let options: [Option<Target>]

    public init(_ title: String, _ options: [Option<Target>]) {
        self.title = title
        self.options = options
    }

    public func option(named name: String) -> Option<Target>? {
        options.first { $0.names.contains(name) }
    }

    /// The section with only these options (a command that takes part of a section).
    public func only(_ names: String...) -> OptionSection {
        OptionSection(title, options.filter { !Set($0.names).isDisjoint(with: names) })
    }

    /// The section with other help for some of its options, keyed by long name.
    public func helping(_ help: [String: String]) -> OptionSection {
        OptionSection(title, options.map { option in help[option.name].map(option.helping) ?? option })
    }

    public func lifted<Outer>(_ part: WritableKeyPath<Outer, Target> & Sendable) -> OptionSection<Outer> {
        OptionSection<Outer>(title, options.map { $0.lifted(part) })
    }
}

/// Bad usage: its message is printed with the command's short usage, and bkup exits 2.
public struct UsageError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
    public init(description: String) { self.description = description }
}
