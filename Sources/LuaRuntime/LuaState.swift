@_exported import BkupJSON
import CLua
import CLuaBridge
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Owns one `lua_State` and everything bkup keeps beside it.
///
/// Not thread-safe: a state is used by one thread at a time. `interrupt(_:)` is the one method
/// that may be called from another thread (or, through `InterruptSignal`, a signal handler).
public final class LuaState {
    package let L: OpaquePointer
    public private(set) var isClosed = false
    /// Closed by `closeForExit` (the process is ending): nothing may touch it.
    var isClosedForExit = false
    private let pendingUnrefs = Mutex<[Int32]>([])
    /// Which run a deadline watchdog belongs to; bumped when a run ends or the state closes, so
    /// that a late watchdog stops nothing.
    let runGeneration = Mutex<UInt64>(0)
    /// Receives each line the script writes to standard output, without its newline: what
    /// `print` writes and, while `ioWritesToPrintHandler` holds, what `io.write` and
    /// `io.stdout:write` write (a line ended by neither arrives with `flushOutput()`). nil: both
    /// write to the process's standard output.
    public var printHandler: ((String) -> Void)? {
        willSet { flushOutput() }
        didSet { routeStandardOutput() }
    }
    /// Whether io's standard output reaches `printHandler` too (false: only `print` does, and
    /// io writes to the process's standard output).
    public var ioWritesToPrintHandler = true {
        willSet { flushOutput() }
        didSet { routeStandardOutput() }
    }
    /// What io wrote after the last newline, held until the line ends.
    var pendingOutput: [UInt8] = []
    /// Where whole warnings go (`warn("@on")` turns them on, as in lua.c); nil writes
    /// "Lua warning: ..." to standard error.
    public var warningHandler: ((String) -> Void)?
    /// Applied to every line `print` writes and every warning before it leaves (a host redacts
    /// secrets here).
    public var textFilter: ((String) -> String)?
    private var lazyPreloader: LuaRef?
    /// Per-host extension storage for higher layers (a scheduler, bindings...).
    public var extensions: [ObjectIdentifier: AnyObject] = [:]

    /// Opens a state with the standard libraries.
    /// - Parameters:
    ///   - memoryLimit: bytes Lua may allocate (0 = no limit).
    ///   - ignoreEnvironment: the libraries ignore LUA_PATH, LUA_CPATH and their versioned
    ///     names (`lua -E`).
    public init(memoryLimit: Int = 0, openLibraries: Bool = true, ignoreEnvironment: Bool = false) throws {
        LuaState.installHooksOnce
        guard let L = bkup_newstate(memoryLimit) else {
            throw LuaError(kind: .memory, message: "cannot create a Lua state: out of memory")
        }
        self.L = L
        bkup_set_host(L, Unmanaged.passUnretained(self).toOpaque())
        if ignoreEnvironment { bkup_ignore_environment(L) }
        if openLibraries {
            if bkup_openlibs(L) != LUA_OK {
                let message = String(cString: bkup_tostring(L, -1))
                bkup_close(L)
                isClosed = true
                throw LuaError(kind: .runtime, message: "cannot open the standard libraries: \(message)")
            }
            bkup_install_coroutine_tracking(L)
        }
        // The array marker: one shared metatable that tags tables which must encode as arrays.
        lua_createtable(L, 0, 1)
        lua_pushstring(L, "json.array")
        lua_setfield(L, -2, "__name")
        lua_rawsetp(L, bkup_registryindex(), bkup_array_marker_key())
    }

    deinit { close() }

    /// Closes the state (running pending `__gc` and `__close` metamethods). Idempotent.
    public func close() {
        guard !isClosed, !isClosedForExit else { return }
        runGeneration.withLock { generation in
            generation &+= 1
            isClosed = true
        }
        bkup_close(L)
        flushOutput()  // what finalizers wrote last
    }

    /// The Lua release this state runs ("Lua 5.4.4").
    public static var release: String { String(cString: bkup_lua_release()) }
    /// "Lua 5.4.4  Copyright (C) 1994-2022 Lua.org, PUC-Rio", as `lua -v` prints it.
    public static var copyright: String { String(cString: bkup_lua_copyright()) }

    /// The LuaState that owns `L` (any of its threads).
    package static func from(_ L: OpaquePointer) -> LuaState {
        Unmanaged<LuaState>.fromOpaque(bkup_get_host(L)).takeUnretainedValue()
    }

    static let installHooksOnce: Void = {
        bkup_install_swift_hooks(swiftDispatch, swiftRelease)
        bkup_install_warning_sink { host, text in
            guard let host, let text else { return }
            let state = Unmanaged<LuaState>.fromOpaque(host).takeUnretainedValue()
            let line = state.textFilter.map { $0(String(cString: text)) } ?? String(cString: text)
            if let handler = state.warningHandler { handler(line) } else { StandardStreams.writeError("Lua warning: \(line)\n") }
        }
        // `print` is a C function without upvalues (as Lua's own); its line comes here.
        bkup_install_print_sink { host, text, length in
            guard let host, let text else { return }
            let state = Unmanaged<LuaState>.fromOpaque(host).takeUnretainedValue()
            state.printed(UnsafeRawBufferPointer(start: text, count: length))
        }
        // io's standard output, while captured for the print handler.
        bkup_install_output_sink { host, bytes, length in
            guard let host, let bytes else { return }
            let state = Unmanaged<LuaState>.fromOpaque(host).takeUnretainedValue()
            state.written(UnsafeRawBufferPointer(start: bytes, count: length))
        }
    }()

    // MARK: registry references

    func releaseLater(_ ref: Int32) {
        pendingUnrefs.withLock { $0.append(ref) }
    }

    /// Frees registry slots whose Swift references went away (on this, the Lua thread).
    public func collectReleasedRefs() {
        let refs = pendingUnrefs.withLock { list -> [Int32] in
            defer { list.removeAll() }
            return list
        }
        guard !isClosed else { return }
        for ref in refs { luaL_unref(L, bkup_registryindex(), ref) }
    }

    /// The main thread's stack.
    public var stack: LuaStack { LuaStack(L) }
    public func popRef() -> LuaRef { stack.popRef() }
    public func ref(at index: Int32) -> LuaRef { stack.ref(at: index) }
    public func push(_ value: JSONValue) { stack.push(value) }
    public func pushNull() { stack.pushNull() }
    public func push(function: @escaping LuaFunction) { stack.push(function: function) }
    public func push<T: AnyObject>(object: T, className: String) { stack.push(object: object, className: className) }
    public func value(at index: Int32) throws(LuaConversionError) -> JSONValue { try stack.value(at: index) }
    public func setField(_ table: Int32, _ key: String) { stack.setField(table, key) }
    @discardableResult
    public func rawField(_ table: Int32, _ key: String) -> LuaType { stack.rawField(table, key) }
    public func describe(at index: Int32) -> String { stack.describe(at: index) }
    public func typeName(at index: Int32) -> String { stack.typeName(at: index) }

    // MARK: interrupts and memory

    /// Stops the running script at its next instruction with the error `reason`.
    /// Safe from another thread or a signal handler.
    public func interrupt(_ reason: StaticString = "interrupted!") {
        bkup_interrupt(L, UnsafeRawPointer(reason.utf8Start).assumingMemoryBound(to: CChar.self))
    }

    public var isInterrupted: Bool { bkup_interrupted(L) != 0 }

    /// Runs `body` with Ctrl-C (SIGINT) interrupting this state's script, as `lua` does: the
    /// first Ctrl-C stops the running code, a second one kills the process.
    public func interruptingOnSIGINT<T>(_ body: () throws -> T) rethrows -> T {
        bkup_install_sigint(L)
        defer { bkup_restore_sigint() }
        return try body()
    }

    /// Forgets a past interrupt so that the state can run again.
    public func clearInterrupt() { bkup_clear_interrupt(L) }

    /// Bytes Lua currently holds (its allocator's own count).
    public var memoryInUse: Int { Int(bkup_memory_in_use(L)) }

    public var memoryLimit: Int = 0 {
        didSet { bkup_set_memory_limit(L, memoryLimit) }
    }

    /// Runs a full garbage collection.
    public func collectGarbage() {
        collectReleasedRefs()
        let saved = bkup_enter_swift(L)
        // lua_gc(L, LUA_GCCOLLECT) does not raise (finalizer errors become warnings).
        _ = bkup_gc_collect(L)
        bkup_leave_swift(L, saved)
    }

    // MARK: globals and tables (raw access only: no metamethods run from Swift)

    /// Sets a global to the value on top of the stack (popped).
    public func setGlobalFromTop(_ name: String) {
        bkup_pushglobaltable(L)
        lua_pushstring(L, name)
        lua_rotate(L, -3, -1)  // value G name -> G name value
        lua_rawset(L, -3)
        bkup_pop(L, 1)
    }

    public func setGlobal(_ name: String, _ value: JSONValue) {
        push(value)
        setGlobalFromTop(name)
    }

    public func setGlobal(_ name: String, function: @escaping LuaFunction) {
        push(function: function)
        setGlobalFromTop(name)
    }

    /// Pushes a global's value (raw get).
    public func pushGlobal(_ name: String) {
        bkup_pushglobaltable(L)
        lua_pushstring(L, name)
        lua_rawget(L, -2)
        bkup_remove(L, -2)
    }

    /// Builds a table of Swift functions and leaves it on the stack.
    public func pushModule(_ functions: [String: LuaFunction]) {
        lua_createtable(L, 0, Int32(functions.count))
        for (name, fn) in functions {
            push(function: fn)
            setField(-2, name)
        }
    }

    /// Registers a module for `require` and as a global; pops the table. `require(name)` finds
    /// it after Lua's own searchers (a user's module of that name on package.path or cpath
    /// wins), and package.loaded holds it once something required it.
    public func registerModule(_ name: String, global: Bool = true) {
        bkup_push_host_modules(L)
        lua_pushvalue(L, -2)
        setField(-2, name)
        bkup_pop(L, 1)
        if global { setGlobalFromTop(name) } else { bkup_pop(L, 1) }
    }

    /// Pushes the table of the modules registered with `registerModule` (by name).
    public func pushRegisteredModules() { bkup_push_host_modules(L) }

    /// Makes `require(name)` find `source`, which is built into the binary: the source is
    /// compiled (text only) on the first `require`, not now, and its chunk name makes tracebacks
    /// point at `chunkName`.
    public func preload(_ name: String, source: String, chunkName: String) throws {
        if lazyPreloader == nil {
            try load(
                """
                local preload, load = package.preload, load
                return function(name, chunkName, source)
                  preload[name] = function(...)
                    return assert(load(source, chunkName, "t"))(...)
                  end
                end
                """, chunkName: "=[preload]")
            try pcall(nargs: 0, nresults: 1)
            lazyPreloader = popRef()
        }
        lazyPreloader!.push()
        stack.pushString(name)
        stack.pushString("@" + chunkName)
        stack.pushString(source)
        try pcall(nargs: 3, nresults: 0)
    }

    // MARK: loading and calling

    /// Compiles `source` (text only: precompiled chunks are refused) and pushes the function.
    public func load(_ source: String, chunkName: String) throws {
        var bytes = Array(source.utf8)
        try load(bytes: &bytes, chunkName: chunkName)
    }

    /// Compiles a file (text only; a first line starting with `#` is skipped, as `lua` does) and
    /// pushes the function; nil reads standard input. Errors read as `lua`'s: "cannot open x".
    public func load(file path: String?) throws {
        let status = luaL_loadfilex(L, path, "t")
        if status != LUA_OK {
            let message = bkup_tostring(L, -1).map { String(cString: $0) } ?? "cannot load \(path ?? "stdin")"
            bkup_pop(L, 1)
            throw LuaError(kind: status == LUA_ERRMEM ? .memory : status == LUA_ERRSYNTAX ? .syntax : .runtime, message: message)
        }
    }

    public func load(bytes: inout [UInt8], chunkName: String) throws {
        try stack.load(bytes: bytes, chunkName: chunkName, mode: "t")
    }

    /// Loads bytecode (as `lua_dump` writes it) and pushes the function: for chunks that ship
    /// in the host, never for users' code. Fails when this Lua does not accept the bytecode.
    public func load(precompiled bytes: [UInt8]) throws {
        try stack.load(bytes: bytes, chunkName: "=?", mode: "b")
    }

    /// Calls the function below `nargs` arguments on top of the stack, in protected mode, with a
    /// traceback. Leaves `nresults` results (all of them for LUA_MULTRET) on the stack.
    public func pcall(nargs: Int32, nresults: Int32 = LUA_MULTRET) throws {
        let status = bkup_pcall_traceback(L, nargs, nresults)
        if status != LUA_OK { throw popError(status: status, traceback: registryTraceback()) }
    }

    /// Calls a function reference with JSON arguments, returning its results as JSON values.
    public func call(_ function: LuaRef, _ args: [JSONValue] = []) throws -> [JSONValue] {
        let base = lua_gettop(L)
        function.push()
        for arg in args { push(arg) }
        try pcall(nargs: Int32(args.count))
        defer { lua_settop(L, base) }
        return try (base + 1...max(base + 1, lua_gettop(L))).prefix(Int(lua_gettop(L) - base)).map {
            try value(at: $0)
        }
    }

    /// Runs `require(name)` protected and leaves its value on the stack.
    public func require(_ name: String) throws {
        let status = bkup_pcall_require(L, name)
        if status != LUA_OK { throw popError(status: status, traceback: registryTraceback()) }
    }

    func registryTraceback() -> String {
        stack.pushRegistry(Self.tracebackKey)
        defer {
            bkup_pop(L, 1)
            stack.pushNil()
            stack.setRegistry(Self.tracebackKey)
        }
        return bkup_tostring(L, -1).map { String(cString: $0) } ?? ""
    }

    /// Where the message handler leaves the traceback (CLuaBridge's bkup_msghandler).
    static let tracebackKey = "bkup.traceback"

    /// Pops the error value on top into a `LuaError`.
    public func popError(status: Int32, traceback: String) -> LuaError {
        return LuaState.popError(LuaStack(L), status: status, traceback: traceback)
    }

    /// Pops the error value on top of `stack` into a `LuaError`.
    public static func popError(_ stack: LuaStack, status: Int32, traceback: String) -> LuaError {
        let kind: LuaError.Kind
        switch status {
        case LUA_ERRSYNTAX: kind = .syntax
        case LUA_ERRMEM: kind = .memory
        case LUA_ERRERR: kind = .errorHandler
        default: kind = .runtime
        }
        let message = stack.errorMessage(at: -1)
        let object = stack.userdataObject(at: -1)
        let payload = stack.popRef()
        return LuaError(kind: kind, message: message, traceback: traceback, object: object, payload: payload)
    }

}

/// Rethrows the error value on top of the stack as is (from a protected helper that failed).
public struct LuaRaise: Error {
    let payload: LuaRef
    public init(_ stack: LuaStack) { payload = stack.popRef() }
}

extension LuaState {
    /// Sets the global `arg` as lua.c's createargtable does: the script at 0, the interpreter
    /// and its options at negative indices, the script's arguments from 1.
    public func setArgTable(argv: [String], scriptIndex: Int?) {
        let base = scriptIndex ?? 0
        stack.pushTable(array: max(0, argv.count - base - 1), fields: base + 1)
        for (i, a) in argv.enumerated() {
            stack.pushString(a)
            lua_rawseti(L, -2, lua_Integer(i - base))
        }
        setGlobalFromTop("arg")
    }
}

extension LuaState {
    /// Sets a global to a C function that does nothing: the baseline of the call benchmark.
    package func setBaselineCFunction(_ name: String) {
        bkup_push_c_noop(L)
        setGlobalFromTop(name)
    }
}

extension LuaState {
    /// Pushes the script's arguments as `lua` does: the values of the global `arg` at 1...#arg
    /// (which the script's options may have changed); returns how many.
    public func pushArgumentsFromArgTable() throws -> Int32 {
        pushGlobal("arg")
        guard stack.type(at: -1) == .table else {
            stack.pop()
            throw LuaError(kind: .runtime, message: "'arg' is not a table")
        }
        let n = Int32(clamping: lua_rawlen(L, -1))
        guard lua_checkstack(L, n + 3) != 0 else {
            stack.pop()
            throw LuaError(kind: .runtime, message: "too many arguments to script")
        }
        for i in 1...max(1, n) where i <= n { lua_rawgeti(L, -Int32(i), lua_Integer(i)) }
        stack.remove(at: -(n + 1))
        return n
    }
}
