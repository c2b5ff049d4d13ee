import BkupJSON
import CLua
import CLuaBridge

/// A strong reference to a Lua value, held in the registry until released.
///
/// Pushed only on the Lua thread; released from any thread (the slot is freed later, on the
/// Lua thread).
public final class LuaRef: @unchecked Sendable {
    public let ref: Int32
    weak var owner: LuaState?

    init(owner: LuaState, ref: Int32) {
        self.owner = owner
        self.ref = ref
    }

    /// Pushes the referenced value on `L` (a thread of the owner; its main thread by default).
    public func push(_ L: OpaquePointer? = nil) {
        guard let owner, !owner.isClosed else { return }
        lua_rawgeti(L ?? owner.L, bkup_registryindex(), lua_Integer(ref))
    }

    deinit {
        // The last reference may go away on any thread; the owner frees the slot on its own.
        owner?.releaseLater(ref)
    }
}
