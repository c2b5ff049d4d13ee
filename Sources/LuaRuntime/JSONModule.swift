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
                    // As every options table: known fields only, each of its own type.
                    try call.checkTable(2)
                    let fields: [String: JSONValue]
                    switch try call.value(2) {
                    case .object(let o): fields = o
                    case .array(let a) where a.isEmpty: fields = [:]
                    default: throw LuaArgumentError(index: 2, "options table expected, got a list")
                    }
                    for (key, v) in fields.sorted(by: { $0.key < $1.key }) {
                        guard key == "pretty" || key == "sort_keys" else {
                            throw LuaArgumentError(index: 2, "unknown field '\(key)' (fields: pretty, sort_keys)")
                        }
                        guard case .bool(let on) = v else {
                            throw LuaArgumentError(index: 2, "field '\(key)': boolean expected, got \(v.luaTypeName)")
                        }
                        if key == "pretty" { options.pretty = on } else { options.sortKeys = on }
                    }
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
