import BkupKit
import LuaRuntime

#if canImport(Glibc)
import Glibc
#endif

RedactedOutput.install()
// Read from argv directly: the standard library's CommandLine.arguments builds its array
// through run-time generic metadata, which costs every start a little.
var argv: [String] = []
argv.reserveCapacity(Int(CommandLine.argc))
for i in 0..<Int(CommandLine.argc) { argv.append(CommandLine.unsafeArgv[i].map { String(cString: $0) } ?? "") }
// The commands are words without a dot or slash, so a script is always written as one
// (audit.lua, ./run).
switch argv.count > 1 ? argv[1] : "" {
case "serve": exit(ServeCommand.run(Array(argv.dropFirst(2))))
case "run": exit(RunCommand.run(argv))
case "help": exit(HelpCommand.run(Array(argv.dropFirst(2))))
case "doctor": exit(RunCommand.doctor(argv))
case "apply": exit(ApplyCommand.run(Array(argv.dropFirst(2)), showOnly: false))
case "plan": exit(PlanCommand.run(Array(argv.dropFirst(2))))
default: exit(ScriptCommand.run(argv))
}
