import LuaRuntime

/// The editor types (types/*.lua, LuaCATS) as built into the binary: `bkup --types` writes them,
/// and `require("bkup._types").source()` hands their text to help() and the REPL's completion,
/// so that all three name the same API. The text is never run (it assigns the globals it
/// describes).
public enum EditorTypeFiles {
    public static var modules: [(name: String, source: String)] {
        EmbeddedTypes.modules.map { (name: $0.name, source: $0.source) }
    }

    static func open(_ lua: LuaState) {
        lua.pushModule([
            "source": { call in call.push(EmbeddedTypes.modules.first { $0.name == "bkup" }?.source ?? "") },
        ])
        lua.registerModule("bkup._types", global: false)
    }
}
