import CLua

extension LuaState {
    /// Compiles Lua source to bytecode as `lua_dump` writes it (debug information kept, so
    /// tracebacks still name the file and line), without running it; a syntax error throws.
    /// For chunks built into a program (lua-embed), which `load(precompiled:)` loads back.
    public func compile(_ source: [UInt8], chunkName: String) throws -> [UInt8] {
        let top = stack.top
        defer { stack.setTop(top) }
        try stack.load(bytes: source, chunkName: chunkName, mode: "t")
        final class Sink { var bytes: [UInt8] = [] }
        let sink = Sink()
        _ = lua_dump(L, { _, p, size, context in
            let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: p, count: size))
            return 0
        }, Unmanaged.passUnretained(sink).toOpaque(), 0)
        return sink.bytes
    }
}
