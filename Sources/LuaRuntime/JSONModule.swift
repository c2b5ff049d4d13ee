import BkupJSON
import CLua
import CLuaBridge

extension LuaState {
    /// Opens the `json` module (global and `require`-able):
    /// `encode(v, {pretty=, sort_keys=})`, `decode(s)`, `null`, `array(t)`.
    public func openJSONModule() {
        pushModule([
            "encode": { (call: LuaCall) throws -> LuaReturn in
                if call.count < 1 { throw call.typeError(1, "value") }
                var options = JSONCodec.Options()
                if !call.isNoneOrNil(2) {
                    try call.checkTable(2)
                    call.stack.rawField(2, "pretty")
                    options.pretty = lua_toboolean(call.L, -1) != 0
                    call.stack.rawField(2, "sort_keys")
                    options.sortKeys = lua_toboolean(call.L, -1) != 0
                    bkup_pop(call.L, 2)
                }
                let value = try call.value(1)
                do {
                    let bytes = try JSONCodec.encodeBytes(value, options: options)
                    bytes.withUnsafeBufferPointer { buf in
                        buf.withMemoryRebound(to: CChar.self) { _ = lua_pushlstring(call.L, $0.baseAddress, $0.count) }
                    }
                    return .values(1)
                } catch {
                    throw LuaArgumentError(index: 1, "\(error)")
                }
            },
            "decode": { (call: LuaCall) throws -> LuaReturn in
                // The decode runs in Swift, where no hook reaches: it answers to the run's
                // memory cap and deadline itself.
                let state = call.state
                let bytes = try call.bytes(1)
                var limits = JSONCodec.DecodeLimits(shouldStop: { state.checkStop() })
                if state.memoryLimit > 0 { limits.maxBytes = max(0, state.memoryLimit - state.memoryInUse) }
                let value: JSONValue
                do throws(JSONCodec.DecodeError) {
                    value = try JSONCodec.decode(bytes, limits: limits)
                } catch {
                    switch error.kind {
                    case .syntax: throw JSONDecodeFailure(description: "\(error)")
                    case .tooLarge: state.stop(BKUP_STOP_MEMORY, state.memoryLimitMessage(state.memoryLimit))
                    case .stopped: break
                    }
                    throw LuaSchedulerError(state.stopMessage)
                }
                return call.push(value)
            },
            "array": { (call: LuaCall) throws -> LuaReturn in
                if call.isNoneOrNil(1) {
                    lua_createtable(call.L, 0, 0)
                } else {
                    try call.checkTable(1)
                    lua_settop(call.L, 1)
                }
                call.stack.markArray(-1)
                return .values(1)
            },
        ])
        pushNull()
        setField(-2, "null")
        registerModule("json")
    }
}

struct JSONDecodeFailure: Error, CustomStringConvertible {
    let description: String
}
