import BkupCommandLine
import BkupKit

/// `bkup doctor [options] [--format json]`: the first-run checklist (scripts/doctor.lua) against
/// the configured service, or every project of a fleet.
enum DoctorCommand {
    struct Options: CommandOptions {
        var format: String?
    }

    static let command = Command<Arguments>(
        "doctor", usage: ["[options] [--format table|json]"], summary: "check the endpoint, TLS, project, key, scopes, clock",
        about: "Checks the configuration against the service, one line per step (settings, URL, DNS, TCP, TLS, Appwrite, "
            + "project, key, scopes, clock, latency), with what to do where one fails; exits 1 if one did. It never writes.",
        options: [OptionSection("Options of bkup doctor", [
            Option("--format", value: "F", help: "table (default) or json, for scripts") {
                $0.format = try OptionValue.choice($1, "--format", ["table", "json"])
            },
        ])],
        globals: [Arguments.service, Arguments.fleet, Arguments.limits]
    ) { (invocation: Invocation<Arguments>, own: Options) in
        // The script's own flag, as `bkup run doctor --format json` would give it.
        let argv = [invocation.argv[0], "doctor"] + (own.format.map { ["--format", $0] } ?? [])
        return ScriptCommand.run(invocation.global.running(argv, scriptAt: 1), embedded: RunCommand.script(named: "doctor")!)
    }
}
