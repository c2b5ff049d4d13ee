import BackupsClient
import Foundation
import LuaRuntime

/// `backups._doctor()`: the checklist of `Doctor` for this connection, with a first line about
/// the configuration itself (where each setting came from, the key file's permissions). The
/// Lua half (stdlib/backups/doctor.lua) prints it.
enum DoctorBinding {
    static func function(_ connection: ServiceConnection) -> LuaFunction {
        { call in
            let configuration = connection.configuration
            var first = configurationCheck(configuration)
            let endpoint: ServiceEndpoint
            do {
                endpoint = try connection.resolve()
            } catch let error as BackupsError {
                first = DoctorCheck("configuration", .fail, error.message, hint: "set them with flags or APPWRITE_* variables (bkup --help)")
                let report = DoctorReport(endpoint: configuration.endpoint ?? "", project: configuration.project ?? "", checks: [first])
                call.stack.pushPlain(report.json)
                return .values(1)
            }
            var client = ClientConfiguration(endpoint: endpoint.endpoint, project: endpoint.project, apiKey: endpoint.apiKey)
            client.selfSigned = configuration.selfSigned
            client.caFile = configuration.caFile
            client.connectTimeout = 5
            client.requestTimeout = 10
            if configuration.verbose { client.logger = StderrLog.logger(prefix: configuration.logPrefix) }
            let configured = client
            let before = first
            return try connection.scheduler.await(call, operation: { await Doctor.examine(configured, before: [before]).json }) { stack, report in
                stack.pushPlain(report)
                return 1
            }
        }
    }

    static func configurationCheck(_ configuration: HostConfiguration) -> DoctorCheck {
        guard configuration.endpoint != nil else {
            return DoctorCheck("configuration", .pass, "no endpoint: the embedded emulator")
        }
        let origins = ["endpoint", "project", "key"].map { "\($0) from \(configuration.origins[$0] ?? "code")" }.joined(separator: ", ")
        if let path = configuration.keyFile, let attributes = try? FileManager.default.attributesOfItem(atPath: path),
           let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            return DoctorCheck("configuration", .fail, "\(origins); the key file \(path) can be read by others (mode \(String(mode, radix: 8)))",
                               hint: "chmod 600 \(path)")
        }
        return DoctorCheck("configuration", .pass, origins)
    }
}
