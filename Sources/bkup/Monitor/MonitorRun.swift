import BkupKit
import Foundation
import Hummingbird
import Logging
import LuaRuntime
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// `bkup monitor`'s run: a poller per project, polled a few at once (the fleet's
/// --fleet-concurrency; one endpoint's requests share its budget as in every fleet run), each
/// round starting no sooner than --interval after the one before; the board served over HTTP
/// (`/metrics`, `/`), or with --once one round written out.
enum MonitorRun {
    static func run(_ args: Arguments, _ options: MonitorCommand.Options) -> Int32 {
        let configuration: HostConfiguration
        do { configuration = try args.completedConfiguration() } catch {
            StandardStreams.writeError("bkup monitor: \(error)\n")
            return 2
        }
        var names: [String] = []
        var configurations: [HostConfiguration] = []
        if let path = args.fleetFile {
            do {
                let fleet = try FleetFile.read(path, budget: FleetCommand.budget(for: path, configuration.limits))
                configurations = try fleet.configurations(base: configuration)
                names = fleet.members.map(\.name)
            } catch {
                StandardStreams.writeError("bkup monitor: --fleet: \(Secrets.shared.redact("\(error)"))\n")
                return 2
            }
        } else {
            names = [configuration.project ?? "bkup-local"]
            configurations = [configuration]
        }
        let width = names.map(\.count).max() ?? 0
        let pollers = names.indices.map { i in
            var c = configurations[i]
            // A poll (and a checks script) is a run with a time limit: a service that stops
            // answering, or a script that loops, fails its project's poll instead of freezing it.
            if c.limits.timeout <= 0 { c.limits.timeout = max(60, 3 * options.interval) }
            let tag = names.count > 1 ? "[" + names[i] + "]" + String(repeating: " ", count: width - names[i].count) + " " : ""
            c.logPrefix = tag
            return ProjectPoller(index: i, name: names[i], tag: tag, configuration: c, checks: options.checks)
        }
        let board = MonitorBoard(names: names, interval: options.interval)
        let limit = names.count > 1 ? max(1, args.fleetConcurrency) : 1
        if names.count > 1 { StandardStreams.writeError("bkup monitor: fleet: \(names.count) projects (\(limit) at once)\n") }

        let done = DispatchSemaphore(value: 0)
        let status = LockedStatus()
        Task {
            await forEach(pollers, limit: limit) { await $0.start(board) }
            if let problem = pollers.lazy.compactMap(\.checksError).first {
                StandardStreams.writeError("bkup monitor: the checks script: \(problem)\n")
                status.set(2)
                for p in pollers { p.close() }
                done.signal()
                return
            }
            if options.once {
                await forEach(pollers, limit: limit) { await $0.poll(board) }
                status.set(finishOnce(board, options))
            } else {
                status.set(await serve(board, pollers, limit: limit, options))
            }
            for p in pollers { p.close() }
            done.signal()
        }
        done.wait()
        return status.get()
    }

    /// `body` over `items`, at most `limit` at once.
    static func forEach<T: Sendable>(_ items: [T], limit: Int, _ body: @escaping @Sendable (T) async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            for _ in 0..<min(limit, items.count) {
                let item = items[next]
                next += 1
                group.addTask { await body(item) }
            }
            for await _ in group where next < items.count {
                let item = items[next]
                next += 1
                group.addTask { await body(item) }
            }
        }
    }

    /// --once: the page into --html FILE, else the metrics on stdout. 1 if a project failed.
    static func finishOnce(_ board: MonitorBoard, _ options: MonitorCommand.Options) -> Int32 {
        let projects = board.snapshot
        if let path = options.html {
            let page = Secrets.shared.redact(StatusPage.render(projects, refresh: nil))
            if let problem = writeInPlace(Array(page.utf8), to: path) {
                StandardStreams.writeError("bkup monitor: --html \(path): \(problem)\n")
                return 1
            }
        } else {
            StandardStreams.write(Secrets.shared.redact(MetricsText.render(projects)))
        }
        StandardStreams.flush()
        let failing = projects.filter(\.failing).map(\.name)
        if !failing.isEmpty { StandardStreams.writeError("bkup monitor: failing: \(failing.joined(separator: ", "))\n") }
        return failing.isEmpty ? 0 : 1
    }

    /// Writes into the file as `>` does (through a symlink, into a FIFO or /dev/stdout, keeping
    /// a file's mode), never replacing what the path names: a rename would swap a device or a
    /// link for a regular file. The error in words, or nil.
    static func writeInPlace(_ bytes: [UInt8], to path: String) -> String? {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            offset += n
        }
        return nil
    }

    /// The server and the polls, until SIGINT or SIGTERM (then 0), or until it cannot listen (1).
    static func serve(_ board: MonitorBoard, _ pollers: [ProjectPoller], limit: Int, _ options: MonitorCommand.Options) async -> Int32 {
        let refresh = max(5, Int(options.interval.rounded(.up)))
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            let text = Secrets.shared.redact(MetricsText.render(board.snapshot))
            return Response(status: .ok, headers: [.contentType: MetricsText.contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/") { _, _ -> Response in
            let page = Secrets.shared.redact(StatusPage.render(board.snapshot, refresh: refresh))
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        router.get("/healthz") { _, _ -> String in "ok\n" }
        var quiet = Logger(label: "bkup-monitor")
        quiet.logLevel = .critical
        let host = options.host, shown = host.contains(":") ? "[\(host)]" : host
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: options.port), serverName: "bkup-monitor"),
            onServerRunning: { channel in
                StandardStreams.write("bkup monitor listening on http://\(shown):\(channel.localAddress?.port ?? 0)/ (metrics at /metrics)\n")
                StandardStreams.flush()
            },
            logger: quiet)
        // Each project polls on its own schedule, `limit` at once: one that is slow or stuck (until
        // its poll's time limit) holds one turn, never the others' polls.
        let turns = PollTurns(limit)
        let polling = Task {
            await withTaskGroup(of: Void.self) { group in
                for poller in pollers {
                    group.addTask {
                        while !Task.isCancelled {
                            let started = Date()
                            guard await turns.take() else { return }
                            await poller.poll(board)
                            await turns.give()
                            // Never more often than the interval: the next poll starts an interval after this one began.
                            let wait = options.interval - Date().timeIntervalSince(started)
                            if wait > 0 { try? await Task.sleep(nanoseconds: UInt64(wait * 1e9)) }
                        }
                    }
                }
            }
        }
        defer { polling.cancel() }
        do {
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
            return 0
        } catch {
            StandardStreams.writeError("bkup monitor: --listen \(shown):\(options.port): \(error)\n")
            return 1
        }
    }
}

/// The turns of the projects' polls: at most `limit` at once, taken in the order asked.
actor PollTurns {
    private var free: Int
    private var waiting: [CheckedContinuation<Bool, Never>] = []

    init(_ limit: Int) { free = max(1, limit) }

    /// False when the task was cancelled before its turn came.
    func take() async -> Bool {
        if free > 0 {
            free -= 1
            return true
        }
        let granted = await withCheckedContinuation { waiting.append($0) }
        return granted && !Task.isCancelled
    }

    func give() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume(returning: true) }
    }
}
