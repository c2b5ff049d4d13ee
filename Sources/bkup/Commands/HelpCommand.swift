import BkupCommandLine
import BkupJSON
import BkupKit

/// `bkup help [TOPIC]`: the same text as `--help`, a command's or a script's help, or the Lua
/// API's entry for a name; `bkup help --man` the manual page.
enum HelpCommand {
    struct Options: CommandOptions {
        var man = false
    }

    static let command = Command<Arguments>(
        "help", usage: ["[TOPIC]", "--man"], summary: "this help; TOPIC: a command, lua, a script's name, or a name of the Lua API such as backups.rotate",
        about: "Help on a command (bkup help apply, bkup help plan show), lua, a ready-made script, or a name of the Lua API "
            + "such as backups.rotate; --man prints the manual page, as roff.",
        options: [OptionSection("Options of bkup help", [
            Option("--man", help: "the manual page, as roff") { o, _ in o.man = true },
        ])],
        operands: .some("TOPIC", 0...2)
    ) { (invocation: Invocation<Arguments>, own: Options) in
        if own.man {
            print(BkupCommands.tree.manPage(ManPage.info), terminator: "")
            return 0
        }
        return run(invocation.operands)
    }

    static func run(_ topics: [String]) -> Int32 {
        guard let topic = topics.first else {
            print(BkupCommands.tree.helpText(progname: "bkup"))
            return 0
        }
        if let help = BkupCommands.tree.helpText(for: topics, progname: "bkup") {
            print(help)
            return 0
        }
        guard topics.count == 1 else {
            StandardStreams.writeError("bkup help: one topic at a time (or a command and its subcommand, such as plan show)\n")
            return 2
        }
        if topic == "scripts" { return run(["run"]) }
        if topic == "lua" { return luaHelp(overview: true, topic) }
        if RunCommand.script(named: topic) != nil { return BkupCommands.main(["bkup", "run", topic, "--help"]) }
        return luaHelp(overview: false, topic)
    }

    /// The Lua library's own help (`help()` and `help("name")` in the REPL).
    static func luaHelp(overview: Bool, _ name: String) -> Int32 {
        var configuration = HostConfiguration()
        configuration.settingNames = .commandLine
        configuration.fillFromEnvironment()
        if configuration.endpoint == nil { configuration.emulatorStarter = EmbeddedEmulator.starter() }
        do {
            let host = try BkupHost(configuration: configuration)
            defer { host.close() }
            if overview {
                try host.run(string: "help()")
                return 0
            }
            let entry = try host.run(string: "return require('bkup.help').entry(...)", args: [name])
            guard case .string(let signature)? = entry.first, entry.count > 1, case .string(let description) = entry[1] else {
                StandardStreams.writeError("""
                    bkup help: no topic '\(name)'. Topics: the commands \(BkupCommands.tree.root.subcommands.map(\.name).joined(separator: ", ")); \
                    lua; the scripts of bkup run (bkup run NAME --help): \(RunCommand.scripts.map(\.name).joined(separator: ", ")); \
                    or a name such as backups.rotate

                    """)
                return 2
            }
            print(signature + "\n  " + description)
            return 0
        } catch {
            StandardStreams.writeError("bkup help: \(error)\n")
            return 1
        }
    }
}

/// What the manual page says besides the commands and options, which come from the tree.
enum ManPage {
    static var info: ManPageInfo {
        ManPageInfo(
            title: "BKUP", version: "bkup \(BkupVersion.number)",
            tagline: "Lua 5.4 with Appwrite's Backups service, and a local emulator of it",
            description: "bkup runs Lua 5.4 as lua does (the same options, the arg table, LUA_INIT, the interactive mode) with a client of Appwrite's Backups service bound in: backups.policies, backups.archives, backups.restorations, backups.resources, and an operator's library (backups.rotate, backups.retention, backups.report, backups.audit). Requests of different tasks (task.spawn, task.map) are in flight at once. Without an endpoint, scripts run against an emulator of the service embedded in the binary, so every job can be rehearsed offline.",
            optionsNote: "The options of each section below read the same before or after a command's name (bkup --verbose doctor is bkup doctor --verbose); after a script, or the NAME of bkup run, everything belongs to the script, as in lua. An option a command does not read is a usage error.",
            environment: [
                ("LUA_INIT_5_4, LUA_INIT", "Lua code (or @file) run before anything else, as lua does; -E ignores it and every variable above"),
                ("LUA_PATH_5_4, LUA_PATH, LUA_CPATH_5_4, LUA_CPATH", "where require looks, as in lua"),
                ("NO_COLOR", "no colours in reports and pictures"),
                ("XDG_DATA_HOME", "where bkup serve keeps its state (bkup/emulator.sqlite)"),
            ],
            exitStatus: "0 when the script ends normally, 1 when it raises an error or a limit stops it, 2 for a usage error, or the status the script gives to os.exit.",
            examples: [
                "bkup -e 'for p in backups.policies.each() do print(p[\"$id\"], p.schedule) end'",
                "bkup --dry-run run ensure-policies --schedule '0 2 * * *' --retention 30",
                "bkup --endpoint https://cloud.appwrite.io/v1 --project P --key-file key.txt audit.lua",
                "bkup --fleet fleet.json --plan-out plan.json run rotate-policies --all --retention 14",
                "bkup serve --port 8080 --data state.sqlite",
            ],
            seeAlso: ".BR lua (1)")
    }
}
