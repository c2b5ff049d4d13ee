import BkupKit
import CLineEdit
import LuaRuntime

#if canImport(Glibc)
import Glibc
#endif

/// The interactive shell: libedit line editing and history, evaluation as lua.c does it
/// (`return <line>` first, `<eof>` continues on a second prompt), pretty-printed results,
/// completion without side effects, Ctrl-C that stops the running line.
final class REPL {
    let host: BkupHost
    let guardian: RunGuard
    let versionShown: Bool
    let interactive: Bool
    let color: Bool
    let historyPath: String
    private var editLine: OpaquePointer?
    private var history: OpaquePointer?
    static let historySize: Int32 = 1000

    nonisolated(unsafe) static var current: REPL?

    init(host: BkupHost, guardian: RunGuard, versionShown: Bool) {
        self.host = host
        self.guardian = guardian
        self.versionShown = versionShown
        interactive = isatty(0) != 0
        let env = ConnectionSettings.variable
        color = isatty(1) != 0 && env("NO_COLOR") == nil && env("TERM") != "dumb"
        let state = env("XDG_STATE_HOME") ?? ((env("HOME") ?? "/tmp") + "/.local/state")
        historyPath = state + "/bkup/history"
    }

    /// The project the prompt names: the one `use()` chose, else the configuration's.
    var currentLabel: String {
        let lua = host.lua
        let top = lua.stack.top
        defer { lua.stack.setTop(top) }
        lua.pushGlobal("_REPL")
        if lua.stack.type(at: -1) == .table, lua.rawField(-1, "label") == .string { return lua.describe(at: -1) }
        return promptLabel
    }

    var promptLabel: String {
        let c = host.configuration
        if let endpoint = c.endpoint {
            var hostPart = endpoint
            if let r = hostPart.range(of: "://") { hostPart = String(hostPart[r.upperBound...]) }
            hostPart = String(hostPart.prefix { $0 != "/" })
            return "\(hostPart)/\(c.project ?? "?")"
        }
        return "emulator"
    }

    func run() -> Int32 {
        let banner = "\(BkupVersion.short) — \(promptLabel)\(host.configuration.dryRun ? " (dry run)" : ""). help() for help, Ctrl-D to leave."
        do {
            try host.require("bkup.repl", as: "_REPL")
            // use() names the default connection as the prompt does.
            host.lua.pushGlobal("_REPL")
            host.lua.stack.push(.string(promptLabel))
            host.lua.setField(-2, "defaultLabel")
            host.lua.stack.pop()
            // exit() is os.exit: the line stops, the REPL closes the host and leaves.
            try host.run(string: "exit = os.exit")
        } catch {
            StandardStreams.writeError("\(ScriptCommand.progname): \(error)\n")
            return 1
        }
        if interactive {
            // After -v (or -i, which implies it) the version is on the screen already.
            print(versionShown ? "\(promptLabel)\(host.configuration.dryRun ? " (dry run)" : ""). help() for help, Ctrl-D to leave." : banner)
            openEditor()
        }
        var status: Int32 = 0
        while let statement = readStatement() {
            if let code = evaluate(statement) {
                status = code
                break
            }
        }
        print("")  // as lua.c: a newline at the end of input
        closeEditor()
        return status
    }

    // MARK: reading

    private func openEditor() {
        setlocale(LC_CTYPE, "")  // so that libedit edits UTF-8 text as characters
        REPL.current = self
        history = bkup_history_open(REPL.historySize)
        guard let history else {
            // No libedit on this machine: lines are read as from a pipe, without history.
            StandardStreams.writeError("bkup: libedit (libedit2) could not be loaded: no line editing or history\n")
            return
        }
        _ = bkup_history_load(history, historyPath)
        editLine = bkup_el_open("bkup", history, { el, _ in REPL.current?.complete(el) ?? BKUP_CC_ERROR },
                                RedactedOutput.terminalOut, RedactedOutput.terminalErr)
    }

    private func closeEditor() {
        if let editLine { bkup_el_close(editLine) }
        if let history { bkup_history_close(history) }
        editLine = nil
        history = nil
    }

    /// One line, or nil at end of input. Ctrl-C at the prompt clears the line and asks again.
    /// Without a terminal, as `lua` built with readline (as Debian's is) reads a pipe: the
    /// prompt, then the line echoed.
    private func readLine(prompt: String) -> String?? {
        guard let editLine else {
            StandardStreams.write(prompt)
            StandardStreams.flush()
            guard let line = Swift.readLine(strippingNewline: true) else { return .none }
            StandardStreams.write(line + "\n")
            return .some(line)
        }
        bkup_el_set_prompt(prompt)
        bkup_el_catch_sigint()
        var count: Int32 = 0
        let p = bkup_el_gets(editLine, &count)
        let interrupted = bkup_el_take_sigint() != 0
        bkup_el_release_sigint()
        if interrupted {
            bkup_el_reset(editLine)
            print("")
            return .some(nil)
        }
        guard let p, count > 0 else { return .none }
        var line = String(cString: p)
        if line.hasSuffix("\n") { line.removeLast() }
        return .some(line)
    }

    private func readStatement() -> String? {
        while true {
            guard let first = readLine(prompt: prompt(main: true)) else { return nil }
            guard var text = first else { continue }  // Ctrl-C: a fresh prompt
            if text.trimmingWhitespaceForREPL().isEmpty { continue }
            if text.hasPrefix("=") { text = "return " + text.dropFirst() }  // as lua.c, for 5.2's users
            if text.trimmingWhitespaceForREPL() == "it" { text = "it()" }  // mongosh's word for "more"
            while isIncomplete(text) {
                guard let more = readLine(prompt: prompt(main: false)) else { return nil }
                guard let line = more else {
                    text = ""
                    break
                }
                text += "\n" + line
            }
            if text.isEmpty { continue }
            remember(text)
            return text
        }
    }

    /// `_PROMPT` / `_PROMPT2` when set (through tostring, as lua.c), else bkup's own on a
    /// terminal and lua's "> " / ">> " on a pipe.
    private func prompt(main: Bool) -> String {
        let lua = host.lua
        lua.pushGlobal(main ? "_PROMPT" : "_PROMPT2")
        defer { lua.stack.pop() }
        if lua.stack.type(at: -1) != .nil { return lua.describe(at: -1) }
        guard interactive else { return main ? "> " : ">> " }
        let name = currentLabel
        let label = main ? "bkup[\(name)]> " : String(repeating: " ", count: name.count + 5) + ">> "
        return color ? "\u{1B}[1m\(label)\u{1B}[0m" : label
    }

    /// As lua.c: incomplete when the parser stops at `<eof>`.
    private func isIncomplete(_ text: String) -> Bool {
        let top = host.lua.stack.top
        defer { host.lua.stack.setTop(top) }
        if (try? host.lua.load("return " + text + ";", chunkName: "=stdin")) != nil { return false }
        do {
            try host.lua.load(text, chunkName: "=stdin")
            return false
        } catch let e as LuaError {
            return e.kind == .syntax && e.message.hasSuffix("<eof>")
        } catch {
            return false
        }
    }

    /// History keeps whole statements, but never one that sets or contains the API key.
    private func remember(_ text: String) {
        guard let history else { return }
        let lower = text.lowercased()
        if let key = host.configuration.apiKey?.value, !key.isEmpty, text.contains(key) { return }
        for marker in ["apikey", "api_key", "x-appwrite-key", "appwrite_api_key", "key-file", "keyfile"] where lower.contains(marker) {
            return
        }
        if REPL.setsAKey(lower) { return }  // backups.connect{key = ...}, use{key = ...}
        bkup_history_add(history, text)
        let dir = String(historyPath[..<(historyPath.lastIndex(of: "/") ?? historyPath.endIndex)])
        _ = dir.withCString { mkdirAll($0) }
        _ = bkup_history_save(history, historyPath)
        chmod(historyPath, 0o600)
    }

    /// Whether the text has `key =` (a field named key being set), not `monkey =` or `key ==`.
    static func setsAKey(_ text: String) -> Bool {
        let chars = Array(text)
        var i = 0
        while i + 3 <= chars.count {
            defer { i += 1 }
            guard chars[i] == "k", chars[i + 1] == "e", chars[i + 2] == "y" else { continue }
            if i > 0, chars[i - 1].isLetter || chars[i - 1].isNumber || chars[i - 1] == "_" { continue }
            var j = i + 3
            while j < chars.count, chars[j] == " " || chars[j] == "\t" { j += 1 }
            if j < chars.count, chars[j] == "=", j + 1 >= chars.count || chars[j + 1] != "=" { return true }
        }
        return false
    }

    // MARK: evaluating

    /// Pushes a function of the Lua half of the REPL (stdlib/repl.lua).
    private func pushREPLFunction(_ name: String) {
        host.lua.pushGlobal("_REPL")
        host.lua.rawField(-1, name)
        host.lua.stack.remove(at: -2)
    }

    /// Runs one statement; returns an exit status when the statement called exit().
    private func evaluate(_ text: String) -> Int32? {
        let lua = host.lua
        let top = lua.stack.top
        defer { lua.stack.setTop(top) }
        // On a terminal, results are pretty-printed; on a pipe, printed with the global `print`,
        // as lua.c does.
        pushREPLFunction(interactive ? "eval" : "evalprint")
        do {
            do {
                try lua.load("return " + text + ";", chunkName: "=stdin")
            } catch {
                try lua.load(text, chunkName: "=stdin")
            }
            lua.stack.push(.bool(color))
            guardian.runStarted()
            defer { guardian.runEnded() }
            _ = try lua.interruptingOnSIGINT { try host.runPrepared(nargs: 2) }
        } catch let exit as LuaExit {
            StandardStreams.flush()
            return exit.code
        } catch let e as LuaError {
            show(error: e)
        } catch {
            show(message: "\(error)")
        }
        StandardStreams.flush()
        return nil
    }

    private func show(error e: LuaError) {
        var text = e.message
        if e.kind == .runtime, !e.traceback.isEmpty, e.object == nil {
            // The line typed is the bottom of what the user ran: no frame below it, lua.c's
            // `[C]: in ?` included (a script's traceback keeps it, ScriptCommand).
            text += "\n" + REPL.userFrames(of: e.traceback)
        }
        show(message: text)
    }

    /// A traceback down to the line typed: the frames below it (the REPL's own Lua half, the
    /// host's call into it) and the REPL's wrappers among it are the REPL's, not the user's.
    static func userFrames(of traceback: String) -> String {
        var lines = traceback.split(separator: "\n", omittingEmptySubsequences: false)
        if let last = lines.lastIndex(where: { $0.contains("stdin:") }) {
            lines.removeSubrange((last + 1)...)
        } else if let entry = lines.firstIndex(where: { $0.contains("'bkup.repl.") }) {
            lines.removeSubrange(entry...)  // the line's frame was a tail call
        }
        lines.removeAll { $0.contains("bkup/repl.lua:") || $0.contains("'bkup.repl.") }
        while let last = lines.last, String(last).trimmingWhitespaceForREPL() == "(...tail calls...)" { lines.removeLast() }
        // The line typed is the main chunk, as lua.c's traceback calls it (the REPL calls it `chunk`).
        if let last = lines.last, last.hasSuffix(" in local 'chunk'") {
            lines[lines.count - 1] = last.dropLast(" in local 'chunk'".count) + " in main chunk"
        }
        return lines.joined(separator: "\n")
    }

    private func show(message: String) {
        let message = Secrets.shared.redact(message)
        StandardStreams.writeError(color ? "\u{1B}[31m\(message)\u{1B}[0m\n" : message + "\n")
    }

    // MARK: completion

    fileprivate func complete(_ el: OpaquePointer?) -> UInt8 {
        guard let el else { return BKUP_CC_ERROR }
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = Int(bkup_el_before_cursor(el, &buffer, Int32(buffer.count)))
        let before = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var word = ""
        for ch in before.reversed() {
            if ch.isLetter || ch.isNumber || ch == "_" || ch == "." || ch == ":" { word.insert(ch, at: word.startIndex) } else { break }
        }
        let candidates = completions(of: word)
        guard !candidates.isEmpty else { return BKUP_CC_ERROR }
        var common = candidates[0]
        for c in candidates.dropFirst() {
            while !c.hasPrefix(common) { common.removeLast() }
        }
        if common.count > word.count {
            _ = bkup_el_insert(el, String(common.dropFirst(word.count)))
            return BKUP_CC_REFRESH
        }
        if candidates.count > 1 {
            print("")
            print(candidates.map { String($0.split(whereSeparator: { $0 == "." || $0 == ":" }).last ?? Substring($0)) }
                .joined(separator: "  "))
            return BKUP_CC_REDISPLAY
        }
        return BKUP_CC_ERROR
    }

    private func completions(of word: String) -> [String] {
        let lua = host.lua
        let top = lua.stack.top
        defer { lua.stack.setTop(top) }
        pushREPLFunction("complete")
        lua.stack.push(.string(word))
        do {
            try lua.pcall(nargs: 1, nresults: 1)
            return (try lua.value(at: -1)).arrayValue?.compactMap(\.stringValue) ?? []
        } catch {
            return []
        }
    }
}

extension String {
    func trimmingWhitespaceForREPL() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}

/// mkdir -p
@discardableResult
func mkdirAll(_ path: UnsafePointer<CChar>) -> Int32 {
    let s = String(cString: path)
    var current = ""
    for part in s.split(separator: "/", omittingEmptySubsequences: false) {
        current += (current.isEmpty && s.hasPrefix("/") ? "/" : (current.isEmpty ? "" : "/")) + part
        if !current.isEmpty && current != "/" { mkdir(current, 0o700) }
    }
    return 0
}
