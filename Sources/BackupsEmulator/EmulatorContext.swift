import BackupsModels
import Hummingbird

/// What a request carries through the emulator's middleware to its route: the project it acts
/// on and the scopes of its key, once authentication has found them.
struct EmulatorContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var project = ""
    /// nil: every scope.
    var scopes: Set<String>?

    init(source: Source) {
        coreContext = .init(source: source)
    }

    /// The route's ID parameter, decoded and validated as Appwrite validates path parameters
    /// (400 `general_argument_invalid`, like a body parameter).
    func id(_ name: String) throws -> String {
        let raw = parameters.get(name).map { String($0) } ?? ""
        let id = QueryString.percentDecode(raw)
        try validated { () throws(Validation.Failure) in try Validation.id(id, param: name) }
        return id
    }
}
