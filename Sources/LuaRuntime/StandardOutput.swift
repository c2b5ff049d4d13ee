import CLuaBridge

/// A script's standard output as the host takes it: `print`'s lines and io's writes, put
/// together into lines, so that `io.write("a") print("b")` is the one line "ab", as a terminal
/// shows it.
extension LuaState {
    /// `print`'s line (without its newline).
    func printed(_ text: UnsafeRawBufferPointer) {
        guard printHandler != nil else {
            // As Lua's print (lua_writeline): the line, then a flush, so that a pipe sees it.
            var line = String(decoding: text, as: UTF8.self)
            if let filter = textFilter { line = filter(line) }
            StandardStreams.write(line + "\n")
            StandardStreams.flush()
            return
        }
        pendingOutput.append(contentsOf: text)
        emitPendingLine()
    }

    /// Bytes io wrote to the captured standard output.
    func written(_ bytes: UnsafeRawBufferPointer) {
        var start = bytes.startIndex
        while let newline = bytes[start...].firstIndex(of: 0x0A) {
            pendingOutput.append(contentsOf: bytes[start..<newline])
            emitPendingLine()
            start = newline + 1
        }
        pendingOutput.append(contentsOf: bytes[start...])
    }

    /// Hands on a last line that io began without ending it (at the end of a run, and when the
    /// handler changes or the state closes).
    public func flushOutput() {
        // (Bytes are held only while a handler is set: io writes to the process otherwise.)
        guard !pendingOutput.isEmpty else { return }
        emitPendingLine()
    }

    private func emitPendingLine() {
        var line = String(decoding: pendingOutput, as: UTF8.self)
        pendingOutput.removeAll(keepingCapacity: true)
        if let filter = textFilter { line = filter(line) }
        printHandler?(line)
    }

    /// io's stdout handle follows the print handler: captured while one is set (unless
    /// `ioWritesToPrintHandler` is off), the process's standard output otherwise.
    func routeStandardOutput() {
        guard !isClosed, !isClosedForExit else { return }
        _ = bkup_capture_stdout(L, printHandler != nil && ioWritesToPrintHandler ? 1 : 0)
    }
}
