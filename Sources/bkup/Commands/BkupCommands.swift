import BkupCommandLine
import BkupKit

/// bkup's commands as one tree: the script form at the root, each command declared in its own
/// file. A new command is its file and its line here.
enum BkupCommands {
    static let tree: CommandTree<Arguments> = CommandTree(ScriptCommand.command(subcommands: [
        RunCommand.command,
        DoctorCommand.command,
        ApplyCommand.command,
        PlanCommand.command,
        ServeCommand.command,
        MonitorCommand.command,
        HelpCommand.command,
    ]))

    /// Reads argv, then runs the command it names: its exit status (2 for bad usage).
    static func main(_ argv: [String]) -> Int32 {
        switch tree.parse(argv) {
        case .run(let command):
            return command()
        case .help(let text):
            print(text)
            return 0
        case .usageError(let text):
            StandardStreams.writeError(text + "\n")
            return 2
        }
    }
}
