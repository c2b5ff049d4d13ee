import BackupsModels
import Hummingbird

/// Every route of the emulator, with the scope each needs, in one place. Authentication,
/// faults and Appwrite-shaped errors are middleware (Middleware/).
enum Routes {
    static func router(_ service: EmulatorService) -> Router<EmulatorContext> {
        let router = Router(context: EmulatorContext.self)
        router.middlewares.add(ClockMiddleware(simulation: service.simulation))
        router.middlewares.add(ErrorMiddleware())
        router.middlewares.add(FaultMiddleware(service: service))
        router.middlewares.add(AuthenticationMiddleware(configuration: service.configuration))
        let v1 = router.group("v1")

        typealias Handler = @Sendable (Request, EmulatorContext) async throws -> Response
        func scoped(_ scope: String, _ handler: @escaping Handler) -> Handler {
            { request, context in
                try require(scope, context)
                return try await handler(request, context)
            }
        }

        let policies = Policies(service: service)
        v1.get("backups/policies", use: scoped("policies.read", policies.list))
        v1.post("backups/policies", use: scoped("policies.write", policies.create))
        v1.get("backups/policies/:policyId", use: scoped("policies.read", policies.get))
        v1.patch("backups/policies/:policyId", use: scoped("policies.write", policies.update))
        v1.delete("backups/policies/:policyId", use: scoped("policies.write", policies.delete))

        let archives = Archives(service: service)
        v1.get("backups/archives", use: scoped("archives.read", archives.list))
        v1.post("backups/archives", use: scoped("archives.write", archives.create))
        v1.get("backups/archives/:archiveId", use: scoped("archives.read", archives.get))
        v1.delete("backups/archives/:archiveId", use: scoped("archives.write", archives.delete))

        let restorations = Restorations(service: service)
        v1.post("backups/restoration", use: scoped("restorations.write", restorations.create))
        v1.get("backups/restorations", use: scoped("restorations.read", restorations.list))
        v1.get("backups/restorations/:restorationId", use: scoped("restorations.read", restorations.get))

        let resources = Resources(service: service)
        v1.get("databases", use: scoped("databases.read", resources.list(.databases)))
        v1.get("tablesdb", use: scoped("databases.read", resources.list(.databases)))
        v1.get("storage/buckets", use: scoped("buckets.read", resources.list(.buckets)))
        v1.get("functions", use: scoped("functions.read", resources.list(.functions)))

        v1.get("health/version") { _, _ in Answer.json(200, .object(["version": .string(ErrorBody.serverVersion)])) }

        // The emulator's own controls are a group of their own behind their own scope, so that a
        // key given to a tool under test (`--key KEY:policies.read,...`) cannot move the clock,
        // reset a project or inject faults. A key without a scope list has every scope.
        // Reading the clock is not a control: any valid key may, so that a read-only tool (bkup
        // monitor, backups.now()) judges ages by the service's clock, as it would by a real
        // server's Date.
        let controls = Controls(service: service)
        v1.get("emulator/clock", use: controls.clock)
        let emulator = v1.group("emulator").add(middleware: ScopeMiddleware(scope: Self.controlScope))
        emulator.post("clock", use: controls.advance)
        emulator.post("seed", use: controls.seed)
        emulator.get("stats", use: controls.stats)
        emulator.post("reset", use: controls.reset)
        emulator.post("faults", use: controls.faults)
        return router
    }

    /// The scopes a key may have, and the aliases Appwrite accepts for some.
    static let scopes: Set<String> = [
        "policies.read", "policies.write", "archives.read", "archives.write", "restorations.read", "restorations.write",
        "databases.read", "buckets.read", "functions.read", controlScope,
    ]
    /// The scope the emulator's controls (`/v1/emulator/*`) need; not one of Appwrite's.
    static let controlScope = "emulator.control"
    static let scopeAliases = ["backups.policies.read": "policies.read", "backups.policies.write": "policies.write"]
}
