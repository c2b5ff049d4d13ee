import BackupsModels
import LuaRuntime

/// bkup's version, and what `-v` and the REPL's banner say.
public enum BkupVersion {
    /// The version (BackupsModels' `BkupRelease` holds it, for the client's requests and plans too).
    public static var number: String { BkupRelease.version }
    /// What `-v` prints: bkup's version, then Lua's own line as `lua -v` prints it.
    public static var banner: String { "bkup \(number)\n\(LuaState.copyright)" }
    /// "bkup 0.2.0 (Lua 5.4.4)", for one-line banners.
    public static var short: String { "bkup \(number) (\(LuaState.release))" }
}
