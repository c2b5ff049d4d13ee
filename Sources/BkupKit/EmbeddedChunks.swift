import LuaRuntime

/// The Lua that ships in the binary (stdlib/), as lua-embed built it: each file's source and its
/// bytecode, compiled at build time for the Lua of the build. A chunk loads from its bytecode (a
/// tenth of the time of compiling it, which matters at every start) and falls back to its
/// source when the Lua at run time refuses the bytecode (another release of Lua 5.4).
///
/// Modules whose last name starts with `_` are the host's own chunks (the prelude, task.map,
/// the searchers, the sandbox): run by the host, not found by `require`.
enum EmbeddedChunks {
    typealias Module = (name: String, path: String, source: String, bytecode: String)

    static func module(named name: String) -> Module? {
        EmbeddedStdlib.modules.first { $0.name == name }
    }

    /// Pushes the module's chunk as a function on `stack`'s thread.
    static func load(_ module: Module, on stack: LuaStack) throws {
        if let code = Base64.decode(module.bytecode), (try? stack.load(bytes: code, chunkName: "=?", mode: "b")) != nil {
            return
        }
        try stack.load(bytes: Array(module.source.utf8), chunkName: "@" + module.path, mode: "t")
    }

    /// Runs one of the host's chunks with the `nargs` values on top of the stack as its
    /// arguments, leaving `nresults` results.
    static func run(_ name: String, in lua: LuaState, nargs: Int32 = 0, nresults: Int32 = 0) throws {
        guard let module = module(named: name) else {
            throw LuaError(kind: .runtime, message: "bkup: \(name) is not built into this binary")
        }
        try load(module, on: lua.stack)
        lua.stack.insert(at: -(nargs + 1))
        try lua.pcall(nargs: nargs, nresults: nresults)
    }

    /// `backups._prelude`, `bkup._task`...: the last name starts with `_`.
    static func isHostChunk(_ name: String) -> Bool {
        let utf8 = name.utf8
        let last = utf8.lastIndex(of: UInt8(ascii: ".")).map { utf8.index(after: $0) } ?? utf8.startIndex
        return last < utf8.endIndex && utf8[last] == UInt8(ascii: "_")
    }

    /// The loader of one of bkup's own modules and the file it came from, or nothing: what
    /// package.preload gives for the module's name (stdlib/bkup/_searchers.lua).
    static func searcher(_ call: LuaCall) throws -> LuaReturn {
        let name = try call.string(1)
        guard let module = module(named: name), !isHostChunk(name) else { return .none }
        try load(module, on: call.stack)
        call.push(module.path)
        return .values(2)
    }
}

/// Standard base64 (RFC 4648, with padding), for the bytecode lua-embed writes.
enum Base64 {
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(c)] = UInt8(i)
        }
        return table
    }()

    static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { input -> [UInt8]? in
            guard input.count % 4 == 0 else { return nil }
            var padding = 0
            if input.count >= 4 {
                if input[input.count - 1] == UInt8(ascii: "=") { padding += 1 }
                if input[input.count - 2] == UInt8(ascii: "=") { padding += 1 }
            }
            let size = input.count / 4 * 3 - padding
            var valid = true
            let bytes = [UInt8](unsafeUninitializedCapacity: size) { out, count in
                values.withUnsafeBufferPointer { table in
                    var o = 0
                    var i = 0
                    while i < input.count {
                        var quad: UInt32 = 0
                        for k in 0..<4 {
                            let c = input[i + k]
                            let v = c == UInt8(ascii: "=") ? 0 : table[Int(c)]
                            if v > 63 { valid = false }
                            quad = quad << 6 | UInt32(v & 63)
                        }
                        for k in 0..<3 where o < size {
                            out[o] = UInt8(truncatingIfNeeded: quad >> (16 - 8 * UInt32(k)))
                            o += 1
                        }
                        i += 4
                    }
                }
                count = size
            }
            return valid ? bytes : nil
        }
    }
}
