import BkupKit

/// The interactive shell (see the REPL issue).
struct REPL {
    let host: BkupHost
    func run() -> Int32 {
        writeStderr("bkup: the interactive shell is not built yet; run a script, '-' for stdin, or -e CODE\n")
        return 2
    }
}
