import BkupFuzzTargets
import Glibc

// bkup-fuzz TARGET [libFuzzer options] [corpus folders]: libFuzzer's own driver, on one of
// FuzzTargets.all. Built only by tools/fuzz.sh (BKUP_FUZZ_RUNTIME), which links libFuzzer's
// runtime without its main; this is the main.

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// stderr without the C global (not concurrency-safe to Swift 6).
func complain(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}

let names = FuzzTargets.all.keys.sorted().joined(separator: ", ")
guard CommandLine.arguments.count >= 2, let target = FuzzTargets.all[CommandLine.arguments[1]] else {
    complain("usage: bkup-fuzz TARGET [libFuzzer options] [corpus...]\ntargets: \(names)\n")
    exit(2)
}
nonisolated(unsafe) var selected: FuzzTargets.Target = target
selected = target

// libFuzzer reads its own options and folders: argv without the target's name.
var arguments = [CommandLine.unsafeArgv[0]] + (2..<Int(CommandLine.argc)).map { CommandLine.unsafeArgv[$0] }
arguments.append(nil)
var argc = CInt(arguments.count - 1)
let status = arguments.withUnsafeMutableBufferPointer { buffer -> CInt in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data!, count: size))
        if let problem = selected(bytes) {
            complain("bkup-fuzz: \(problem)\n")
            // A broken property is a crash to libFuzzer: it keeps the input and stops.
            abort()
        }
        return 0
    }
}
exit(status)
