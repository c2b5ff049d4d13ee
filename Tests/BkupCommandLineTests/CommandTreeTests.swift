import BkupCommandLine
import XCTest

/// The parser's rules on a small tree of its own: a script-like root, a command with operands,
/// a group, global options before and after a name.
final class CommandTreeTests: XCTestCase {
    struct Globals: CommandOptions {
        var verbose = false
        var endpoint: String?
        var code: [String] = []
        var workers: Int?
        var given: [String] = []
        mutating func validate() throws {
            if workers != nil && endpoint == nil { throw UsageError("--workers: it needs --endpoint") }
        }
    }

    struct ServeOptions: CommandOptions {
        var port = 0
        var endpoint: String?
    }

    /// What the handler saw, written by the handlers (each test reads it after one run).
    nonisolated(unsafe) static var seen: (path: String, globals: Globals, operands: [String], index: Int?, port: Int) =
        ("", Globals(), [], nil, 0)

    static let connection = OptionSection<Globals>("Connection", [
        Option("--endpoint", value: "URL", help: "where") { $0.endpoint = $1 },
        Option("--verbose", help: "say more") { g, _ in g.verbose = true },
        Option("--workers", value: "N", help: "how many") { $0.workers = try OptionValue.integer($1, "--workers", in: 1...8, "1-8") },
    ])
    static let script = OptionSection<Globals>("Script", [
        Option("-e", value: "code", help: "run code") { $0.code.append($1) },
    ])

    static func record(_ invocation: Invocation<Globals>, port: Int = 0) -> Int32 {
        seen = (invocation.commandName, invocation.global, invocation.operands, invocation.operandIndex, port)
        return 0
    }

    static let tree = CommandTree(Command<Globals>(
        "tool", usage: ["[options] [script [args]]"], summary: "", globals: [script, connection], operands: .script,
        helpNames: ["--help"],
        subcommands: [
            Command("run", usage: ["[options] NAME [args]"], summary: "run a named script", globals: [script, connection],
                    operands: .script) { record($0) },
            Command("apply", usage: ["[options] PLAN"], summary: "apply a plan", globals: [connection.only("--endpoint")],
                    operands: .some("PLAN", 1...1)) { record($0) },
            Command("serve", usage: ["[options]"], summary: "serve",
                    options: [OptionSection<ServeOptions>("Options of tool serve", [
                        Option("--port", value: "N", help: "port") { $0.port = try OptionValue.integer($1, "--port", in: 0...65535, "0-65535") },
                        Option("--endpoint", value: "URL", help: "its own") { $0.endpoint = $1 },
                    ])]) { invocation, own in record(invocation, port: own.port) },
            Command(group: "plan", summary: "plans", subcommands: [
                Command("show", usage: ["PLAN"], summary: "show one", operands: .some("PLAN", 1...1)) { record($0) },
            ]),
        ]) { record($0) })

    /// Runs the command line; its status, and the text of help or a usage error.
    func run(_ words: String...) -> (status: Int32, text: String) {
        Self.seen = ("", Globals(), [], nil, 0)
        switch Self.tree.parse(["tool"] + words) {
        case .run(let command): return (command(), "")
        case .help(let text): return (0, text)
        case .usageError(let text): return (2, text)
        }
    }

    func testGlobalOptionsReadTheSameBeforeAndAfterTheCommandName() {
        for words in [["--verbose", "--endpoint", "u", "run", "x"], ["run", "--verbose", "--endpoint=u", "x"], ["--verbose", "run", "--endpoint", "u", "x"]] {
            Self.seen = ("", Globals(), [], nil, 0)
            guard case .run(let command) = Self.tree.parse(["tool"] + words) else { return XCTFail("\(words)") }
            XCTAssertEqual(command(), 0)
            XCTAssertEqual(Self.seen.path, "tool run", "\(words)")
            XCTAssertTrue(Self.seen.globals.verbose, "\(words)")
            XCTAssertEqual(Self.seen.globals.endpoint, "u", "\(words)")
            XCTAssertEqual(Self.seen.operands, ["x"])
            XCTAssertEqual(Self.seen.index, words.count, "the script's place in argv")
        }
    }

    func testWhatFollowsTheScriptIsTheScripts() {
        XCTAssertEqual(run("run", "x", "--verbose", "--bogus").status, 0)
        XCTAssertEqual(Self.seen.operands, ["x", "--verbose", "--bogus"])
        XCTAssertFalse(Self.seen.globals.verbose)
        XCTAssertEqual(run("-e", "a", "file.lua", "-e", "b").status, 0)
        XCTAssertEqual(Self.seen.path, "tool")
        XCTAssertEqual(Self.seen.globals.code, ["a"])
        XCTAssertEqual(Self.seen.operands, ["file.lua", "-e", "b"])
        XCTAssertEqual(run("-ea", "-e", "b", "--", "-x", "y").status, 0, "-- ends the options: -x is the script")
        XCTAssertEqual(Self.seen.globals.code, ["a", "b"])
        XCTAssertEqual(Self.seen.operands, ["-x", "y"])
        XCTAssertEqual(Self.seen.index, 5)
        XCTAssertEqual(run("-", "arg").status, 0)
        XCTAssertEqual(Self.seen.operands, ["-", "arg"], "- is a script (standard input)")
    }

    func testOperandsAndOptionsMixForOtherCommands() {
        XCTAssertEqual(run("apply", "plan.json", "--endpoint", "u").status, 0)
        XCTAssertEqual(Self.seen.operands, ["plan.json"])
        XCTAssertEqual(Self.seen.globals.endpoint, "u")
        let none = run("apply")
        XCTAssertEqual(none.status, 2)
        XCTAssertTrue(none.text.hasPrefix("tool apply: PLAN expected\nusage: tool apply [options] PLAN\n"), none.text)
        let two = run("apply", "a", "b")
        XCTAssertTrue(two.text.hasPrefix("tool apply: one PLAN at a time, got 2: a b"), two.text)
        XCTAssertEqual(run("plan", "show", "p").status, 0)
        XCTAssertEqual(Self.seen.path, "tool plan show")
        let group = run("plan")
        XCTAssertEqual(group.status, 2)
        XCTAssertTrue(group.text.hasPrefix("tool plan: which command? show"), group.text)
        XCTAssertTrue(run("plan", "frob").text.hasPrefix("tool plan: no command 'frob'; plan has show"))
        XCTAssertTrue(run("serve", "now").text.hasPrefix("tool serve: unexpected argument 'now'"))
    }

    func testUnknownAndMisplacedOptionsNameTheOptionAndTheCommand() {
        let unknown = run("apply", "--bogus", "p")
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.text.hasPrefix("tool apply: unrecognized option '--bogus' for tool apply\n"), unknown.text)
        XCTAssertTrue(run("--bogus").text.hasPrefix("tool: unrecognized option '--bogus'\n"), "the root as lua says it")
        let before = run("--bogus", "apply", "p")
        XCTAssertTrue(before.text.hasPrefix("tool apply: unrecognized option '--bogus' for tool apply"), "named once the command is known: \(before.text)")
        let notHere = run("serve", "--verbose")
        XCTAssertEqual(notHere.status, 2)
        XCTAssertTrue(notHere.text.hasPrefix("tool serve: --verbose (Connection) does not apply to tool serve; tool and tool run read it"),
                      notHere.text)
        let partly = run("apply", "--verbose", "p")
        XCTAssertTrue(partly.text.contains("--verbose (Connection) does not apply to tool apply"), partly.text)
        let local = run("--port", "80", "serve")
        XCTAssertEqual(local.status, 0, "a command's own option before its name is read by it: \(local.text)")
        XCTAssertEqual(Self.seen.port, 80)
        let elsewhere = run("--port", "80", "x.lua")
        XCTAssertTrue(elsewhere.text.hasPrefix("tool: unrecognized option '--port' for tool: it is an option of tool serve, after its name"), elsewhere.text)
        XCTAssertTrue(run("-e").text.hasPrefix("tool: '-e' needs argument"))
        XCTAssertTrue(run("run", "-e").text.hasPrefix("tool run: '-e' needs argument"))
        XCTAssertTrue(run("--verbose=yes").text.hasPrefix("tool: unrecognized option '--verbose=yes'"), "a flag takes no value")
        XCTAssertTrue(run("-ex").text.isEmpty, "-e takes its value attached, as lua reads it")
    }

    func testAnOwnOptionShadowsAGlobalOneOfTheSameName() {
        XCTAssertEqual(run("serve", "--endpoint", "mine").status, 0)
        XCTAssertNil(Self.seen.globals.endpoint)
    }

    func testValuesAndValidateAreUsageErrors() {
        let bad = run("--workers", "9", "x.lua")
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.text.hasPrefix("tool: --workers: 1-8 expected, got '9'"), bad.text)
        let lonely = run("run", "--workers", "2", "x")
        XCTAssertTrue(lonely.text.hasPrefix("tool run: --workers: it needs --endpoint"), lonely.text)
        XCTAssertEqual(run("run", "--workers", "2", "--endpoint", "u", "x").status, 0)
    }

    func testHelpComesFromTheDeclarations() {
        let help = run("--help")
        XCTAssertEqual(help.status, 0)
        for text in ["usage: tool [options] [script [args]]", "Script:", "  -e code", "Connection:", "  --endpoint URL", "Commands:",
                     "  tool run [options] NAME [args]", "  tool plan show PLAN", "  --help"] {
            XCTAssertTrue(help.text.contains(text), "\(text) in \(help.text)")
        }
        XCTAssertFalse(help.text.contains("--port"), "serve's own options are in its own help")
        let serve = run("serve", "-h")
        XCTAssertTrue(serve.text.hasPrefix("usage: tool serve [options]\nserve\n") || serve.text.hasPrefix("usage: tool serve [options]\n"), serve.text)
        XCTAssertTrue(serve.text.contains("Options of tool serve:\n  --port N") && serve.text.contains("-h, --help"), serve.text)
        XCTAssertEqual(run("--help", "serve").text, serve.text, "help before the name is the command's help")
        XCTAssertTrue(run("apply", "--help").text.contains("Connection:\n  --endpoint URL"), "only what apply reads")
        XCTAssertFalse(run("apply", "--help").text.contains("--verbose"))
        XCTAssertTrue(run("-h").text.hasPrefix("tool: unrecognized option '-h'"), "the root's help names are its own")
    }

    func testTheManPageWalksTheTree() {
        let page = Self.tree.manPage(ManPageInfo(title: "TOOL", version: "tool 1", tagline: "a tool", description: "It does.",
                                                 optionsNote: "Options.", environment: [], exitStatus: "0.", examples: ["tool -e x"],
                                                 seeAlso: ".BR lua (1)"))
        for text in [".TH TOOL 1", ".B tool run\n[options] NAME [args]", ".SS Connection\nRead by tool, tool run and tool apply only \\-\\-endpoint.",
                     "\\fB\\-\\-port\\fR \\fIN\\fR", ".B tool plan show"] {
            XCTAssertTrue(page.contains(text), "\(text) in \(page)")
        }
    }
}
