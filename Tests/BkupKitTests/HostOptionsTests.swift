import BkupCommandLine
import BkupKit
import LuaRuntime
import XCTest

/// The options a child bkup is given are written from the same declarations the command line
/// reads them with, so every setting reaches it.
final class HostOptionsTests: XCTestCase {
    /// Reads arguments back through the sections, as bkup's command line does.
    func read(_ arguments: [String], _ sections: [OptionSection<HostOptions>]) throws -> HostOptions {
        var options = HostOptions()
        var i = 0
        while i < arguments.count {
            guard let option = sections.lazy.compactMap({ $0.option(named: arguments[i]) }).first else {
                throw UsageError("not an option: \(arguments[i])")
            }
            let value = option.takesValue ? arguments[i + 1] : ""
            try option.apply(to: &options, value)
            i += option.takesValue ? 2 : 1
        }
        return options
    }

    func testEverySettingOfAChildRoundTripsThroughItsArguments() throws {
        var c = HostConfiguration(endpoint: "https://appwrite.example/v1", project: "p", apiKey: APIKey("never-on-a-command-line"))
        c.selfSigned = true
        c.caFile = "/etc/ssl/certs/ca-certificates.crt"
        c.concurrency = 7
        c.endpointConcurrency = 3
        c.requestTimeout = 12.5
        c.verbose = true
        c.dryRun = true
        c.sandbox = true
        c.limits = RunLimits(timeout: 2.5, maxInstructions: 1_000_000, maxMemory: 64 << 20, maxTasks: 9)
        let arguments = HostOptions(configuration: c).arguments()
        XCTAssertFalse(arguments.contains { $0.contains("never-on-a-command-line") }, "the key goes by the environment")
        let back = try read(arguments, HostOptions.handedOn).configuration
        XCTAssertEqual(back.endpoint, c.endpoint)
        XCTAssertEqual(back.project, c.project)
        XCTAssertEqual(back.selfSigned, true)
        XCTAssertEqual(back.caFile, c.caFile)
        XCTAssertEqual(back.concurrency, 7)
        XCTAssertEqual(back.endpointConcurrency, 3)
        XCTAssertEqual(back.requestTimeout, 12.5)
        XCTAssertEqual(back.verbose, true)
        XCTAssertEqual(back.dryRun, true)
        XCTAssertEqual(back.sandbox, true)
        XCTAssertEqual(back.limits, c.limits)
        // Every option of those sections says how it is handed on (the key file: never).
        for section in HostOptions.handedOn {
            for option in section.options {
                XCTAssertNotNil(option.arguments(for: HostOptions()), "\(option.name) says how a child gets it")
            }
        }
        XCTAssertEqual(HostOptions().arguments(), ["--concurrency", "16"], "unset settings give no arguments")
    }

    func testValuesAreCheckedAgainstTheirDomain() throws {
        for (name, value) in [("--request-timeout", "0"), ("--request-timeout", "inf"), ("--timeout", "-1"), ("--endpoint", "host:1/v1"),
                              ("--ca-file", "/no/such/file.pem"), ("--concurrency", "0"), ("--max-memory", "12")] {
            XCTAssertThrowsError(try read([name, value], HostOptions.handedOn), "\(name) \(value)") { error in
                XCTAssertTrue("\(error)".hasPrefix(name + ": "), "\(error)")
            }
        }
        var lonely = try read([], HostOptions.handedOn)
        lonely.fleetConcurrency = 2
        XCTAssertThrowsError(try lonely.validate()) { XCTAssertTrue("\($0)".contains("needs --fleet"), "\($0)") }
    }
}
