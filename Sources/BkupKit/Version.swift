import LuaRuntime

/// bkup's version, and what `-v` and the REPL's banner say.
public enum BkupVersion {
    public static let number = "0.2.0"
    /// "bkup 0.2.0 (Lua 5.4.4)"
    public static var banner: String { "bkup \(number) (\(LuaState.release))" }
}
