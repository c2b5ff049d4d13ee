import BackupsModels

/// The options of a command, as one table: each option's names, its value, the line of help that
/// `--help` and the man page print, and what it does. The main command and `bkup serve` read
/// their arguments through the same reader, so both accept `--name value`, `--name=value` and
/// `--help` alike, and help and man page cannot drift from what is accepted.
struct Option<Target>: Sendable {
    /// "--endpoint", or a one-letter "-e" (whose value may be attached: -eCODE, as lua reads it).
    let names: [String]
    /// The value's placeholder in help ("URL"); nil for a flag.
    let value: String?
    let help: String
    /// The environment variable that gives the same setting, for help and the man page.
    var environment: String? = nil
    let apply: @Sendable (inout Target, String) throws -> Void

    init(_ names: String..., value: String? = nil, environment: String? = nil, help: String,
         apply: @escaping @Sendable (inout Target, String) throws -> Void) {
        self.names = names
        self.value = value
        self.environment = environment
        self.help = help
        self.apply = apply
    }

    init(names: [String], value: String?, environment: String?, help: String, apply: @escaping @Sendable (inout Target, String) throws -> Void) {
        self.names = names
        self.value = value
        self.environment = environment
        self.help = help
        self.apply = apply
    }

    /// "-e stat", "--endpoint URL", "-h, --help"
    var synopsis: String {
        names.joined(separator: ", ") + (value.map { " " + $0 } ?? "")
    }
}

/// A group of options under one heading.
struct OptionSection<Target>: Sendable {
    let title: String
    let options: [Option<Target>]
}

struct UsageError: Error, CustomStringConvertible {
    let description: String
}

/// Reads argv against a table of options.
struct OptionReader<Target>: Sendable {
    let sections: [OptionSection<Target>]

    /// What follows the options.
    enum Rest: Equatable {
        /// The first argument that is not an option, at this index ("-" included, as lua reads it).
        case operand(Int)
        /// "--" was at index - 1; what follows (from index) are operands even if they start with "-".
        case afterDoubleDash(Int)
        case end
    }

    func option(named name: String) -> Option<Target>? {
        for section in sections {
            for option in section.options where option.names.contains(name) { return option }
        }
        return nil
    }

    /// Applies the options from argv[start...] to target, up to the first operand.
    func read(_ argv: [String], from start: Int, into target: inout Target) throws -> Rest {
        var i = start
        while i < argv.count {
            let argument = argv[i]
            if argument == "--" { return .afterDoubleDash(i + 1) }
            if argument == "-" || !argument.hasPrefix("-") { return .operand(i) }
            let name: String
            var attached: String?
            if argument.hasPrefix("--") {
                if let eq = argument.firstIndex(of: "=") {
                    name = String(argument[..<eq])
                    attached = String(argument[argument.index(after: eq)...])
                } else {
                    name = argument
                }
            } else {
                name = String(argument.prefix(2))
                if argument.count > 2 { attached = String(argument.dropFirst(2)) }
            }
            guard let option = option(named: name) else {
                throw UsageError(description: "unrecognized option '\(argument)'")
            }
            if option.value == nil {
                // A flag takes nothing: "-iv" and "--dry-run=yes" are not what was meant.
                guard attached == nil else { throw UsageError(description: "unrecognized option '\(argument)'") }
                try option.apply(&target, "")
            } else if let attached {
                try option.apply(&target, attached)
            } else {
                i += 1
                guard i < argv.count else { throw UsageError(description: "'\(name)' needs argument") }
                try option.apply(&target, argv[i])
            }
            i += 1
        }
        return .end
    }

    /// The options as help prints them: a heading per section, one aligned line per option.
    func helpText(width: Int = 22) -> String {
        var lines: [String] = []
        for section in sections {
            lines.append(section.title + ":")
            for option in section.options {
                var left = "  " + option.synopsis
                var help = option.help
                if let variable = option.environment { help += " (env \(variable))" }
                if left.count + 1 > width {
                    lines.append(left)
                    left = ""
                }
                lines.append(left + String(repeating: " ", count: width - left.count) + help)
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// Parsers of option values, with the error a user sees for a wrong one. Each reads the text
/// through BackupsModels' one reader of numbers from outside (`NumberDomain`).
enum OptionValue {
    static func integer(_ text: String, _ name: String, in range: ClosedRange<Int>, _ what: String) throws -> Int {
        let domain = NumberDomain<Int64>.integers(Int64(range.lowerBound)...Int64(range.upperBound), what)
        guard let n = try? domain.read(text: text) else { throw UsageError(description: "\(name): \(what) expected, got '\(text)'") }
        return Int(n)
    }

    /// A finite number in `domain` (`--speed`, `--timeout`).
    static func real(_ text: String, _ name: String, _ domain: NumberDomain<Double>) throws -> Double {
        guard let value = try? domain.read(text: text) else {
            throw UsageError(description: "\(name): \(domain.expected) expected, got '\(text)'")
        }
        return value
    }

    /// A whole number with an optional binary suffix: 512, 64K, 256M, 2G, 1e9.
    static func count(_ text: String) -> UInt64? {
        let multipliers: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        var digits = Substring(text)
        var multiplier: UInt64 = 1
        if let last = text.last?.uppercased().first, let m = multipliers[last] {
            multiplier = m
            digits = digits.dropLast()
        }
        // 1e9 as well as 1000000000; a count is non-negative and fits an Int64.
        guard let n = try? Domains.count(upTo: Int64.max).read(text: String(digits)) else { return nil }
        let (product, overflow) = UInt64(n).multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }
}
