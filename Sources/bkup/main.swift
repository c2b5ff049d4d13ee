#if canImport(Glibc)
import Glibc
#endif

RedactedOutput.install()
// Read from argv directly: the standard library's CommandLine.arguments builds its array
// through run-time generic metadata, which costs every start a little.
var argv: [String] = []
argv.reserveCapacity(Int(CommandLine.argc))
for i in 0..<Int(CommandLine.argc) { argv.append(CommandLine.unsafeArgv[i].map { String(cString: $0) } ?? "") }
exit(BkupCommands.main(argv))
