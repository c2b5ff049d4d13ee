import BackupsClient
import LuaRuntime

/// A failure as scripts see it: `err.code`, `err.type`, `err.message`, `tostring(err)`.
final class ErrorBox {
    let error: BackupsError
    /// The Swift error a host function threw, when this is one.
    let cause: (any Error)?
    init(_ error: BackupsError, cause: (any Error)? = nil) {
        self.error = error
        self.cause = cause
    }

    static let className = "backups.Error"

    static func register(in state: LuaState) {
        var errorClass = LuaClass<ErrorBox>(name: className)
        errorClass.fields = { box, key, call in
            let e = box.error
            switch key {
            case "code": call.push(Int64(e.code))
            case "type": call.push(e.type)
            case "message": call.push(e.message)
            case "body": if let b = e.body { call.push(b) } else { return false }
            case "mayHaveHappened": call.push(e.mayHaveHappened)
            case "candidates": call.push(.array(e.candidates.map { .string($0) }))
            case "attempts": call.push(Int64(e.attempts))
            case "scope": if let scope = e.missingScope { call.push(scope) } else { return false }
            default: return false
            }
            return true
        }
        errorClass.tostring = { $0.error.description }
        state.register(errorClass)
    }
}

extension BackupsError: LuaErrorConvertible {
    public func pushLuaError(_ stack: LuaStack) {
        stack.push(object: ErrorBox(self), className: ErrorBox.className)
    }
}
