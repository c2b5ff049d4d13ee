import LuaRuntime

#if canImport(Glibc)
import Glibc
#endif

/// `require("bkup.terminal")`: what the pictures of `backups.report` need to know about where
/// they are printed. Colour is on when standard output is a terminal and NO_COLOR is not set
/// (no-color.org), unless the host's configuration decides.
enum TerminalModule {
    static func open(_ lua: LuaState, color: Bool?) {
        lua.pushModule([
            "color": { call in call.push(color ?? defaultColor) },
            "width": { call in call.push(Int64(width)) },
            "height": { call in call.push(Int64(height)) },
        ])
        lua.registerModule("bkup.terminal", global: false)
    }

    static var defaultColor: Bool {
        if let value = getenv("NO_COLOR"), value.pointee != 0 { return false }
        if let term = getenv("TERM"), String(cString: term) == "dumb" { return false }
        return isatty(1) != 0
    }

    /// Columns of the terminal on standard output; COLUMNS, else 80 off a terminal.
    static var width: Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let text = getenv("COLUMNS"), let n = Int(String(cString: text)), n > 0 { return n }
        return 80
    }

    /// Rows of the terminal on standard output; LINES, else 24 off a terminal.
    static var height: Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 { return Int(size.ws_row) }
        if let text = getenv("LINES"), let n = Int(String(cString: text)), n > 0 { return n }
        return 24
    }
}
