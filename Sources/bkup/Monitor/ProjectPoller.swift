import BackupsClient
import BackupsModels
import BkupJSON
import BkupKit
import Foundation
import LuaRuntime

/// One project of the monitor: a host of its own (its `backups` is the project) that keeps the
/// poll's state between polls (stdlib/backups/monitor.lua: the archives read so far, the cursor).
final class ProjectPoller: @unchecked Sendable {
    let index: Int
    let name: String
    let tag: String
    let configuration: HostConfiguration
    /// A checks script (`bkup monitor checks.lua`), run after each poll.
    let checks: String?
    private var host: BkupHost?

    init(index: Int, name: String, tag: String, configuration: HostConfiguration, checks: String?) {
        self.checks = checks
        self.index = index
        self.name = name
        self.tag = tag
        self.configuration = configuration
    }

    /// The host, and doctor's checks, once at start: its first line always, every failed check
    /// with its hint. A failed check is shown, not fatal (the monitor only reads: a key without
    /// the write scopes fails doctor's scopes check and is enough); the polls judge the project.
    func start(_ board: MonitorBoard) async {
        do {
            let host = try BkupHost(configuration: configuration)
            let tag = tag
            host.output = { text in StandardStreams.writeError(tag + text) }
            host.notice = { line in StandardStreams.writeError(tag + line + "\n") }
            self.host = host
            let values = try await host.run(string: Self.startChunk, chunkName: "=(bkup monitor)", args: checks.map { [$0] } ?? [])
            if let problem = values.dropFirst(3).first?.stringValue {
                checksError = Secrets.shared.redact(problem)
                return
            }
            let ok = values.first?.boolValue ?? false
            let lines = values.dropFirst().first?.stringValue ?? ""
            let project = values.dropFirst(2).first?.stringValue ?? ""
            board.update(index) { $0.project = project }
            let shown = lines.split(separator: "\n").enumerated().filter { i, line in
                i == 0 || line.hasPrefix("✘") || (line.hasPrefix(" ") && line.contains("→")) || line.hasSuffix("checks failed")
            }.map { tag + $0.element }
            StandardStreams.writeError(shown.joined(separator: "\n") + (ok ? ": every check passed" : "") + "\n")
        } catch {
            let message = Self.describe(error)
            StandardStreams.writeError(tag + "bkup monitor: \(message)\n")
            board.update(index) { $0.error = message }
        }
    }

    static let startChunk = """
        local checks = ...
        if checks then
          local f, err = loadfile(checks)
          if not f then return false, "", "", err end
          __bkup_checks = f
        end
        local report = backups.doctor()
        __bkup_monitor = require("backups.monitor").new()
        return report.ok, table.concat(report:lines(), "\\n"), backups.config.project
        """

    /// Why the checks script could not be loaded (then the monitor does not start).
    private(set) var checksError: String?

    static let pollChunk = """
        local ok, result = pcall(function()
          local snap = __bkup_monitor:poll()
          if __bkup_checks then require("backups.monitor").runChecks(__bkup_checks, snap) end
          return snap
        end)
        return ok, ok and result or tostring(result), __bkup_monitor.requests, __bkup_monitor.fullReads
        """

    struct PollError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// One poll: the board gets its data, or its error (the data before it stays, shown as
    /// failing). Returns whether it succeeded.
    @discardableResult
    func poll(_ board: MonitorBoard) async -> Bool {
        let started = Date()
        guard let host else {
            board.update(index) { $0.polls += 1 }
            return false
        }
        // One run: the poll (its error as text) and the tally of requests, a failed poll's too.
        var outcome: Result<PollData, any Error>
        var tally: [JSONValue] = []
        do {
            let values = try await host.run(string: Self.pollChunk, chunkName: "=(bkup monitor)")
            tally = Array(values.dropFirst(2))
            if values.first?.boolValue == true {
                outcome = .success(try JSONValueDecoder().decode(PollData.self, from: values.dropFirst().first ?? .null))
            } else {
                outcome = .failure(PollError(message: values.dropFirst().first?.stringValue ?? "the poll failed"))
            }
        } catch {
            outcome = .failure(error)
        }
        let seconds = Date().timeIntervalSince(started)
        board.update(index) { p in
            p.polls += 1
            p.lastPollSeconds = seconds
            if let total = tally.first?.intValue { p.requestsTotal = Int(total) }
            if let full = tally.dropFirst().first?.intValue { p.fullReadsTotal = Int(full) }
            switch outcome {
            case .success(let data):
                p.data = data
                p.error = nil
                p.archivesReadTotal += data.changed
                p.lastSuccess = Date().timeIntervalSince1970
            case .failure(let error):
                p.error = Self.describe(error)
            }
        }
        if case .failure(let error) = outcome { StandardStreams.writeError(tag + "poll failed: \(Self.describe(error))\n") }
        return (try? outcome.get()) != nil
    }

    func close() {
        host?.close()
        host = nil
    }

    /// An error as one line, the key never in it.
    static func describe(_ error: any Error) -> String {
        let text: String
        if let lua = error as? LuaError {
            text = lua.message
        } else {
            text = "\(error)"
        }
        return Secrets.shared.redact(text.split(separator: "\n").first.map(String.init) ?? text)
    }
}
