import BkupKit
import LuaRuntime

#if canImport(Glibc)
import Glibc
#endif

RedactedOutput.install()
let argv = CommandLine.arguments
if argv.count > 1 && argv[1] == "serve" {
    exit(ServeCommand.run(Array(argv.dropFirst(2))))
}
exit(ScriptCommand.run(argv))
