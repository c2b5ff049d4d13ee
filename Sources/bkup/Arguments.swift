import BkupCommandLine
import BkupKit

/// The global options of bkup's command line, wherever they stood: Lua's own (as lua.c reads
/// them), and the host's (`HostOptions`, declared in BkupKit). Every command reads the sections
/// it takes into this, and the script form and `run` add where the script stands.
struct Arguments: CommandOptions {
    enum Action {
        case execute(String)          // -e CODE
        case require(String, String)  // -l [global=]module
    }

    var actions: [Action] = []
    var interactive = false
    var showVersion = false
    var ignoreEnvironment = false
    var warnings = false
    var host = HostOptions()
    /// The whole command line, and the index in it of the script ("-" = stdin; nil: none), as
    /// lua's `arg` table counts from it.
    var argv: [String] = []
    var scriptIndex: Int?

    mutating func validate() throws { try host.validate() }

    /// Lua's own options, for the script form and `bkup run`; -e and -l run in the order given.
    static let lua = OptionSection<Arguments>("Lua's options", [
        Option("-e", value: "stat", help: "execute string 'stat'") { $0.actions.append(.execute($1)) },
        Option("-i", help: "enter interactive mode after executing 'script'") { a, _ in
            a.interactive = true
            a.showVersion = true  // as lua.c: -i implies -v
        },
        Option("-l", value: "mod", help: "require library 'mod' into global 'mod' (-l g=mod: into global 'g')") { a, spec in
            if let eq = spec.firstIndex(of: "=") {
                a.actions.append(.require(String(spec[spec.index(after: eq)...]), String(spec[..<eq])))
            } else {
                a.actions.append(.require(spec, spec))
            }
        },
        Option("-v", help: "show version information") { a, _ in a.showVersion = true },
        Option("-E", help: "ignore environment variables") { a, _ in a.ignoreEnvironment = true },
        Option("-W", help: "turn warnings on") { a, _ in a.warnings = true },
    ])

    static let service = HostOptions.service.lifted(\Arguments.host)
    static let plans = HostOptions.plans.lifted(\Arguments.host)
    static let fleet = HostOptions.fleet.lifted(\Arguments.host)
    static let limits = HostOptions.limits.lifted(\Arguments.host)
    static let output = HostOptions.output.lifted(\Arguments.host)
    /// What a command that runs a script reads: all of it.
    static let scriptSections = [lua, service, plans, fleet, limits, output]

    /// The configuration as every command completes it: the key file read, APPWRITE_* filled
    /// in (unless -E), and the embedded emulator where no endpoint is set. Throws a usage error
    /// for an unreadable key file or a malformed APPWRITE_ENDPOINT.
    func completedConfiguration() throws -> HostConfiguration {
        var c = try host.completedConfiguration(ignoringEnvironment: ignoreEnvironment)
        if c.endpoint == nil { c.emulatorStarter = EmbeddedEmulator.starter() }
        // The operator's keys, by value, go only to the operator's endpoint: the one in use and
        // APPWRITE_API_KEY's, even under -E or beside --key-file (a fleet file must not send it).
        var keys: [(APIKey, String)] = c.apiKey.map { [($0, c.origins["key"] ?? "the configuration")] } ?? []
        if let value = ConnectionSettings.variable("APPWRITE_API_KEY") { keys.append((APIKey(value), "APPWRITE_API_KEY")) }
        for (key, _) in keys { Secrets.shared.register(key) }
        c.trust.bindOperator(keys: keys, endpoint: c.endpoint, selfSigned: c.selfSigned, caFile: c.caFile)
        return c
    }

    var configuration: HostConfiguration { host.configuration }
    var fleetFile: String? { host.fleetFile }
    var fleetConcurrency: Int { host.fleetConcurrency ?? 4 }
    var planOut: String? { host.planOut }
    var resultFile: String? { host.resultFile }
    var summaryJSON: String? { host.summaryJSON }
    var noPreflight: Bool { host.noPreflight }

    var scriptName: String? { scriptIndex.map { argv[$0] } }
    var scriptArgs: [String] {
        guard let s = scriptIndex else { return [] }
        return Array(argv[(s + 1)...])
    }
    var hasExecute: Bool { actions.contains { if case .execute = $0 { return true } else { return false } } }

    /// These options, for a script standing at `index` of `argv`.
    func running(_ argv: [String], scriptAt index: Int?) -> Arguments {
        var a = self
        a.argv = argv
        a.scriptIndex = index
        return a
    }
}
