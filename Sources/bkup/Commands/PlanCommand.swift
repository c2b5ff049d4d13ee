import BkupCommandLine
import BkupKit

/// `bkup plan show [--format F] PLAN`: a plan file, shown without applying it.
enum PlanCommand {
    struct ShowOptions: CommandOptions {
        var format = "text"
    }

    static let command = Command<Arguments>(group: "plan", summary: "plan files", subcommands: [
        Command<Arguments>(
            "show", usage: ["[--format text|table|json] PLAN"], summary: "show a plan: text, table or json",
            about: "Shows a plan made by bkup --dry-run --plan-out PLAN without applying it (bkup apply --show is the same).",
            options: [OptionSection("Options of bkup plan show", [ApplyCommand.formatOption.lifted(\ShowOptions.format)])],
            operands: .some("PLAN", 1...1)
        ) { invocation, own in
            guard let plan = ApplyCommand.read(invocation) else { return 2 }
            print(PlanView.render(plan, format: own.format), terminator: "")
            return 0
        },
    ])
}
