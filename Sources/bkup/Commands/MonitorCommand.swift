import BackupsModels
import BkupCommandLine
import BkupKit

/// `bkup monitor [options]`: the backup health of a project or a fleet, polled every --interval
/// seconds (reads only), served as Prometheus metrics at /metrics and a status page at /; with
/// --once, one poll written out (the metrics, or the page with --html FILE).
enum MonitorCommand {
    struct Options: CommandOptions {
        var host = "127.0.0.1"
        var port = 9464
        var interval = 60.0
        var once = false
        var html: String?
        var checks: String?

        mutating func validate() throws {
            if html != nil && !once { throw UsageError("--html FILE writes one poll's page: it goes with --once") }
        }

        /// ADDR:PORT, [IPv6]:PORT, or :PORT (loopback).
        mutating func listen(_ text: String) throws {
            guard let colon = text.lastIndex(of: ":") else { throw UsageError("--listen: ADDR:PORT expected, got '\(text)'") }
            var address = String(text[..<colon])
            if address.hasPrefix("[") && address.hasSuffix("]") { address = String(address.dropFirst().dropLast()) }
            port = try OptionValue.integer(String(text[text.index(after: colon)...]), "--listen", in: 0...65535, "a port from 0 to 65535")
            host = address.isEmpty ? "127.0.0.1" : address
        }
    }

    static let command = Command<Arguments>(
        "monitor", usage: ["[options] [--listen ADDR:PORT] [--interval SECONDS] [CHECKS.lua]", "[options] --once [--html FILE] [CHECKS.lua]"],
        summary: "backup health as Prometheus metrics and a status page",
        about: "Polls the project (or every project of --fleet) every --interval seconds, reading only what changed since the poll "
            + "before, and serves the backup health at /metrics (Prometheus's text format) and / (a status page). It only reads; "
            + "doctor's checks run at start. A project whose poll fails shows as failing. CHECKS.lua, if given, runs after each poll "
            + "with the poll's data and may add gauges and findings (monitor.gauge, monitor.finding). monitoring/alerts.yml has alert rules for it.",
        options: [OptionSection("Options of bkup monitor", [
            Option("--listen", value: "ADDR:PORT", help: "address and port to serve on (default 127.0.0.1:9464: loopback only; 0.0.0.0:PORT to serve others)") {
                try $0.listen($1)
            },
            Option("--interval", value: "SECONDS", help: "poll every SECONDS at most (default 60)") {
                $0.interval = try OptionValue.real($1, "--interval", Domains.monitorInterval)
            },
            Option("--once", help: "poll once, print the metrics (or write --html FILE), exit 1 if a project failed") { o, _ in o.once = true },
            Option("--html", value: "FILE", help: "with --once: write the status page to FILE instead") { $0.html = $1 },
        ])],
        // The limits are each poll's (a poll and its checks script are one run): without
        // --timeout a poll may take max(60 s, 3 intervals) before its project shows failing.
        globals: [Arguments.service, Arguments.fleet.only("--fleet", "--fleet-concurrency", "--key-dir", "--key-env"), Arguments.limits],
        operands: .some("CHECKS.lua", 0...1)
    ) { (invocation: Invocation<Arguments>, own: Options) in
        var own = own
        own.checks = invocation.operands.first
        return MonitorRun.run(invocation.global, own)
    }
}
