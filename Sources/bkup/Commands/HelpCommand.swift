import BkupJSON
import BkupKit

/// The commands besides running Lua, as the main help lists them.
enum Commands {
    static let summary = """
        Commands:
          bkup serve [options]            run the local Backups emulator (bkup serve --help)
          bkup run [options] NAME [args]  run a ready-made script (bkup run lists them)
          bkup doctor [options]           check the endpoint, TLS, project, key, scopes, clock
          bkup apply [options] PLAN       apply a plan made by --plan-out (bkup apply --help)
          bkup plan show [--format F] PLAN  show a plan: text, table or json
          bkup help [TOPIC]               this help; TOPIC: serve, run, lua, a script's name, or a
                                          name of the Lua API such as backups.rotate
          bkup help --man                 the manual page, as roff
        """
}

/// `bkup help [TOPIC]`: the same text as `--help`, a command's or a script's help, or the Lua
/// API's entry for a name.
enum HelpCommand {
    static func run(_ topics: [String]) -> Int32 {
        guard let topic = topics.first else {
            print(Arguments.usage("bkup"))
            return 0
        }
        guard topics.count == 1 else {
            StandardStreams.writeError("bkup help: one topic at a time\n")
            return 2
        }
        switch topic {
        case "--man":
            print(ManPage.text, terminator: "")
            return 0
        case "serve":
            print(ServeCommand.usage)
            return 0
        case "apply", "plan":
            print(ApplyCommand.usage + "Options:\n" + ApplyCommand.reader.helpText())
            return 0
        case "run", "scripts":
            print(RunCommand.usage + "\n" + RunCommand.list)
            return 0
        case "lua":
            return luaHelp(overview: true, topic)
        default:
            if let script = RunCommand.script(named: topic) {
                return ScriptCommand.run(["bkup", script.name, "--help"], embedded: script)
            }
            return luaHelp(overview: false, topic)
        }
    }

    /// The Lua library's own help (`help()` and `help("name")` in the REPL).
    static func luaHelp(overview: Bool, _ name: String) -> Int32 {
        var configuration = HostConfiguration()
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
                    bkup help: no topic '\(name)'. Topics: serve, run, lua, \
                    \(RunCommand.scripts.map(\.name).joined(separator: ", ")), or a name such as backups.rotate

                    """)
                return 1
            }
            print(signature + "\n  " + description)
            return 0
        } catch {
            StandardStreams.writeError("bkup help: \(error)\n")
            return 1
        }
    }
}

/// `bkup.1`, written from the same tables as `--help`, so that the two cannot drift.
enum ManPage {
    static var text: String {
        var page = """
            .TH BKUP 1 "" "bkup \(BkupVersion.number)" "User Commands"
            .SH NAME
            bkup \\- Lua 5.4 with Appwrite's Backups service, and a local emulator of it
            .SH SYNOPSIS
            .B bkup
            [\\fIoptions\\fR] [\\fIscript\\fR [\\fIargs\\fR]]
            .br
            .B bkup serve
            [\\fIoptions\\fR]
            .br
            .B bkup run
            [\\fIoptions\\fR] \\fIname\\fR [\\fIargs\\fR]
            .br
            .B bkup doctor
            [\\fIoptions\\fR] [\\fB\\-\\-format json\\fR]
            .br
            .B bkup apply
            [\\fIoptions\\fR] \\fIplan\\fR
            .br
            .B bkup plan show
            [\\fB\\-\\-format\\fR \\fIF\\fR] \\fIplan\\fR
            .br
            .B bkup help
            [\\fItopic\\fR | \\fB\\-\\-man\\fR]
            .SH DESCRIPTION
            \(escape("bkup runs Lua 5.4 as lua does (the same options, the arg table, LUA_INIT, the interactive mode) with a client of Appwrite's Backups service bound in: backups.policies, backups.archives, backups.restorations, backups.resources, and an operator's library (backups.rotate, backups.retention, backups.report, backups.audit). Requests of different tasks (task.spawn, task.map) are in flight at once. Without an endpoint, scripts run against an emulator of the service embedded in the binary, so every job can be rehearsed offline."))

            """
        page += section("OPTIONS", Arguments.reader)
        page += ".SH COMMANDS\n"
        page += ".TP\n.B bkup serve\n" + escape("Runs the local Backups emulator in the foreground. Its options:") + "\n"
        page += options(ServeCommand.reader)
        page += ".TP\n.BI \"bkup run \" name\n" + escape("Runs a ready-made script built into bkup; without a name, lists them:") + "\n"
        for script in RunCommand.scripts {
            page += ".RS\n.TP\n.B \(escape(script.name))\n\(escape(script.summary))\n.RE\n"
        }
        page += ".TP\n.B bkup doctor\n" + escape("Checks the configuration against the service, one line per step (settings, URL, DNS, TCP, TLS, Appwrite, project, key, scopes, clock, latency), with what to do where one fails; exits 1 if one did. --format json for scripts.") + "\n"
        page += ".TP\n.BI \"bkup apply \" plan\n" + escape("Applies a plan file made by bkup --dry-run --plan-out: shows it, asks on a terminal, refuses a plan for another endpoint or project, sends each step whose precondition holds (the record unchanged since the plan, or absent for a create), refuses the others, and ends with applied, refused, failed and already applied counts; exits 1 if a step was refused or failed. Applying a plan again applies nothing. Its options:") + "\n"
        page += options(ApplyCommand.reader)
        page += ".TP\n.BI \"bkup plan show \" plan\n" + escape("Shows a plan without applying it: --format text (default), table or json.") + "\n"
        page += ".TP\n.BI \"bkup help \" topic\n" + escape("Help on serve, run, lua, a script, or a name of the Lua API such as backups.rotate; --man prints this page.") + "\n"
        page += ".SH ENVIRONMENT\n"
        var variables: [(String, String)] = []
        for section in Arguments.reader.sections {
            for option in section.options { if let variable = option.environment { variables.append((variable, "as \(option.names.last!): \(option.help)")) } }
        }
        for section in ServeCommand.reader.sections {
            for option in section.options { if let variable = option.environment { variables.append((variable, "bkup serve's \(option.names.last!)")) } }
        }
        variables += [
            ("LUA_INIT_5_4, LUA_INIT", "Lua code (or @file) run before anything else, as lua does; -E ignores it and every variable above"),
            ("LUA_PATH_5_4, LUA_PATH, LUA_CPATH_5_4, LUA_CPATH", "where require looks, as in lua"),
            ("NO_COLOR", "no colours in reports and pictures"),
            ("XDG_DATA_HOME", "where bkup serve keeps its state (bkup/emulator.sqlite)"),
        ]
        for (name, help) in variables { page += ".TP\n.B \(escape(name))\n\(escape(help))\n" }
        page += """
            .SH EXIT STATUS
            0 when the script ends normally, 1 when it raises an error or a limit stops it, 2 for a usage error, or the status the script gives to os.exit.
            .SH EXAMPLES
            .nf
            \(escape("bkup -e 'for p in backups.policies.each() do print(p[\"$id\"], p.schedule) end'"))
            \(escape("bkup run ensure-policies --schedule '0 2 * * *' --retention 30 --dry-run"))
            \(escape("bkup --endpoint https://cloud.appwrite.io/v1 --project P --key-file key.txt audit.lua"))
            \(escape("bkup serve --port 8080 --data state.sqlite"))
            .fi
            .SH SEE ALSO
            .BR lua (1)

            """
        return page
    }

    static func section<T>(_ title: String, _ reader: OptionReader<T>) -> String {
        ".SH \(title)\n" + options(reader)
    }

    static func options<T>(_ reader: OptionReader<T>) -> String {
        var text = ""
        for section in reader.sections {
            text += ".SS \(escape(section.title))\n"
            for option in section.options {
                let names = option.names.map { "\\fB\(escape($0))\\fR" }.joined(separator: ", ")
                text += ".TP\n" + names + (option.value.map { " \\fI\(escape($0))\\fR" } ?? "") + "\n"
                text += escape(option.help + (option.environment.map { " (environment: \($0))" } ?? "")) + "\n"
            }
        }
        return text
    }

    /// Text as roff prints it: backslashes and hyphens escaped, no line taken for a request.
    static func escape(_ text: String) -> String {
        var out = text.replacingOccurrences(of: "\\", with: "\\e").replacingOccurrences(of: "-", with: "\\-")
        if out.hasPrefix(".") || out.hasPrefix("'") { out = "\\&" + out }
        return out
    }
}
