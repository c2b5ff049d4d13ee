import BkupKit

enum ServeCommand {
    static func run(_ args: [String]) -> Int32 {
        writeStderr("bkup serve: not built yet\n")
        return 2
    }
}
