import BkupJSON
import CLua
import CLuaBridge

/// A Lua type for Swift objects of class `T`: a metatable named `name` (its `__name`) whose
/// `__gc` releases the object exactly once, with methods, fields, `__tostring` and `__close`.
public struct LuaClass<T: AnyObject> {
    public let name: String
    public var methods: [String: (T, LuaCall) throws -> LuaReturn] = [:]
    /// Field reads (`obj.key`) not served by a method; push one value and return true, or
    /// return false for nil.
    public var fields: ((T, String, LuaCall) throws -> Bool)?
    public var tostring: ((T) -> String)?
    /// Called by `__close` (a `<close>` variable going out of scope); the object is then
    /// released early and later uses report it as closed.
    public var close: ((T) -> Void)?

    public init(name: String) { self.name = name }
}

extension LuaState {
    /// Registers (or replaces) the metatable for a class of Swift objects.
    public func register<T: AnyObject>(_ cls: LuaClass<T>) {
        let name = cls.name
        bkup_new_object_metatable(L, name)
        lua_pushboolean(L, 1)
        setField(-2, "bkup.object")

        // Methods live in a table; __index consults it first and then the fields reader.
        lua_createtable(L, 0, Int32(cls.methods.count))
        for (methodName, method) in cls.methods {
            push { call in
                let object = try call.object(1, as: T.self, className: name)
                return try method(object, call)
            }
            setField(-2, methodName)
        }
        if let fields = cls.fields {
            let methods = ref(at: -1)
            bkup_pop(L, 1)
            push { call in
                // (self, key): a method wins over a field of the same name.
                methods.push(call.L)
                lua_pushvalue(call.L, 2)
                if lua_rawget(call.L, -2) != LUA_TNIL {
                    return .values(1)
                }
                lua_settop(call.L, 2)
                let object = try call.object(1, as: T.self, className: name)
                guard lua_type(call.L, 2) == LUA_TSTRING, let key = try? call.string(2) else { return .none }
                return try fields(object, key, call) ? .values(1) : .none
            }
        }
        setField(-2, "__index")

        if let tostring = cls.tostring {
            push { call in
                let object = try call.object(1, as: T.self, className: name)
                return call.push(tostring(object))
            }
        } else {
            push { call in
                let p = lua_topointer(call.L, 1)
                return call.push("\(name): \(p.map { String(describing: $0) } ?? "?")")
            }
        }
        setField(-2, "__tostring")

        if let close = cls.close {
            push { call in
                guard let raw = bkup_test_object(call.L, 1, name) else { return .none }
                let object = Unmanaged<AnyObject>.fromOpaque(raw).takeUnretainedValue() as! T
                close(object)
                if let taken = bkup_take_object(call.L, 1) {
                    Unmanaged<AnyObject>.fromOpaque(taken).release()
                }
                return .none
            }
            setField(-2, "__close")
        }
        bkup_seal_metatable(L, -1)
        bkup_pop(L, 1)
    }

}
