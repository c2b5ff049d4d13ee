import ArgumentParser
import BkupKit
import Foundation

/// What the team's directory knows of a resource.
struct Owner: Codable, Sendable {
    var id: String
    var team: String
    var pager: String?
}

/// The team's directory, asked over the network in real life; here, from a table.
actor Directory {
    private let owners = ["db-0001": "payments", "db-0002": "search", "db-0003": "identity"]

    func owner(of id: String) async throws -> Owner {
        try await Task.sleep(nanoseconds: 5_000_000)
        guard let team = owners[id] else {
            throw BackupsError(code: 404, type: "owner_unknown", message: "no team owns \(id)")
        }
        return Owner(id: id, team: team, pager: team == "payments" ? "+1-555-0100" : nil)
    }
}

@main
struct OpsTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Audits the backups of a project and tells each owning team.")

    @Option(help: "Appwrite endpoint, e.g. https://cloud.appwrite.io/v1") var endpoint: String
    @Option(help: "Project ID") var project: String
    @Option(help: "File holding the API key") var keyFile: String

    func run() async throws {
        var configuration = HostConfiguration(endpoint: endpoint, project: project, keyFile: keyFile)
        configuration.sandbox = true                       // the audit script is not ours
        configuration.limits = RunLimits(timeout: 60, maxInstructions: 50_000_000, maxMemory: 64 << 20, maxTasks: 200)
        configuration.progress = false
        let host = try BkupHost(configuration: configuration)
        let printed = PrintedLines()
        host.output = printed.append
        host.notice = { _ in }

        let directory = Directory()
        let notified = PrintedLines()
        try host.register(module: "ops") { ops in
            ops.function("notify") { args in notified.append(try args.string(1)) }
            ops.function("lookupOwner") { args async throws -> Owner in try await directory.owner(of: try args.string(1)) }
        }

        // 1. The audit, with both kinds of function in one module.
        let results = try await host.run(string: """
            local audit = backups.audit{}
            local told = 0
            for _, finding in ipairs(audit.findings) do
              local owner = ops.lookupOwner(finding.subject)
              ops.notify(owner.team .. ": " .. finding.check .. " " .. finding.subject)
              told = told + 1
            end
            print(audit)
            return told, audit.ok
            """)
        print("audit: told \(results[0].intValue ?? -1) owners, ok=\(results[1].boolValue ?? true)")
        for line in printed.all { print("printed: \(line)") }
        for line in notified.all { print("notified: \(line)") }

        // 2. A typed error, caught in Swift.
        do {
            try await host.run(string: "ops.lookupOwner('db-0099')")
            print("typed error: none")
        } catch let error as LuaError {
            guard let e = error.backupsError else { throw error }
            print("typed error: \(e.type) \(e.code) \(e.message)")
        }

        // 3. Cancellation from Swift: the script stops and the host runs again.
        printed.removeAll()
        let job = Task {
            try await host.run(string: """
                print("waiting")
                task.sleep(30)
                print("never")
                """)
        }
        while printed.all.isEmpty { try await Task.sleep(nanoseconds: 10_000_000) }
        job.cancel()
        do {
            _ = try await job.value
            print("cancelled: no")
        } catch is CancellationError {
            print("cancelled: yes, after \(printed.all)")
        }
        let again = try await host.run(string: "return #backups.resources.databases.list().databases")
        print("again: \(again[0].intValue ?? -1) databases")
        host.close()
    }
}
