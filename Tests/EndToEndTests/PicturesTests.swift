import Foundation
import XCTest

/// backups.report's pictures as an operator sees them: exact characters through a pipe,
/// colours on a terminal, none with NO_COLOR.
final class PicturesTests: XCTestCase {
    /// A week of one resource's archives and policies, by hand, at a fixed time.
    static let week = """
        local function a(id, resource, status, at) return { ["$id"] = id, resourceId = resource, status = status,
          services = { "databases" }, ["$createdAt"] = at } end
        local archives = {
          a("1", "orders", "completed", "2026-11-22T02:00:00.000+00:00"),
          a("2", "orders", "completed", "2026-11-23T02:00:00.000+00:00"),
          a("3", "orders", "failed", "2026-11-24T02:00:00.000+00:00"),
          a("4", "orders", "failed", "2026-11-25T02:00:00.000+00:00"),
          a("5", "orders", "completed", "2026-11-25T03:00:00.000+00:00"),
          a("6", "orders", "pending", "2026-11-28T02:00:00.000+00:00"),
          a("7", "users", "completed", "2026-11-27T09:00:00.000+00:00"),
          a("8", "users", "completed", "2026-10-01T09:00:00.000+00:00"),
        }
        local policies = {
          { ["$id"] = "p1", resourceId = "orders", enabled = true, schedule = "0 2 * * *", retention = 30, ["$createdAt"] = "2026-11-20T00:00:00.000+00:00" },
          { ["$id"] = "p2", resourceId = "payments", enabled = true, schedule = "0 2 * * *", retention = 30, ["$createdAt"] = "2026-11-27T05:00:00.000+00:00" },
          { ["$id"] = "p3", resourceId = "users", enabled = false, schedule = "0 2 * * *", retention = 30, ["$createdAt"] = "2026-11-01T00:00:00.000+00:00" },
        }
        local opts = { days = 7, policies = policies, now = "2026-11-28T12:00:00.000+00:00", color = COLOR }
        io.write(backups.report.calendar(archives, opts), "\\n")
        """

    static let expected = """
                 11-22
        orders   ##x#!!~  3/7 days, 1 failed, 2 missed
        payments ......!  0/7 days, 1 missed
        users    .....#.  1/7 days

        # completed  ~ in progress  x failed  ! missed (a schedule expected one)  - past retention (deleted: not judged)  . none   (7 days to 2026-11-28, UTC)

        """

    func testTheCalendarThroughAPipeIsPlainAndExact() throws {
        let r = try runTool(["-e", "COLOR = nil", "-e", Self.week])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, Self.expected)
        // Colour asked for by name, on a pipe: the same cells, painted.
        let painted = try runTool(["-e", "COLOR = true", "-e", Self.week])
        XCTAssertTrue(painted.stdout.contains("\u{1B}[32m#\u{1B}[0m"), painted.stdout)
        XCTAssertTrue(painted.stdout.contains("\u{1B}[33m!\u{1B}[0m"), painted.stdout)
        XCTAssertEqual(painted.stdout.replacingOccurrences(of: "\u{1B}\\[[0-9]+m", with: "", options: .regularExpression)
            .replacingOccurrences(of: "·", with: "."), Self.expected)
    }

    func testTheCalendarOnATerminalIsColouredUnlessNoColor() throws {
        let terminal = try onATerminal(["-e", "COLOR = nil", "-e", Self.week])
        XCTAssertTrue(terminal.contains("\u{1B}[31mx\u{1B}[0m"), terminal)
        XCTAssertTrue(terminal.contains("\u{1B}[2m·\u{1B}[0m"), terminal)
        let plain = try onATerminal(["-e", "COLOR = nil", "-e", Self.week], env: ["NO_COLOR": "1"])
        XCTAssertFalse(plain.contains("\u{1B}["), plain)
        XCTAssertTrue(plain.contains("orders   ##x#!!~"), plain)
    }

    func testSparklinesAndTheirErrors() throws {
        let r = try runTool(["-e", """
            local s = backups.report.sparkline
            print(s({1, 2, 3, 4, 5, 6, 7, 8}), s({8, 1}, {plain = true}), s({5, 5, 5}), s({}), s({1, 2, 3, 9}, {width = 2}))
            print(select(2, pcall(s, {1, "x"})))
            print(select(2, pcall(s, {1}, {width = 0})))
            local a = function(at, size) return { ["$id"] = at, resourceId = "db", status = "completed", services = {"databases"},
              size = size, ["$createdAt"] = at } end
            local summary = backups.report.summary({ a("2026-11-03T00:00:00.000+00:00", 300), a("2026-11-01T00:00:00.000+00:00", 100),
              a("2026-11-02T00:00:00.000+00:00", 200) })
            print(table.concat(summary.byResource.db.sizes, ","), tostring(summary):match("(%S+)$"))
            """])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "▁▂▃▄▅▆▇█\t81\t▅▅▅\t\t▁█")
        XCTAssertTrue(lines[1].contains("bad argument #1 to 'sparkline' (numbers expected, got string at 2)"), lines[1])
        XCTAssertTrue(lines[2].contains("bad argument #2 to 'sparkline'"), lines[2])
        XCTAssertEqual(lines[3], "100,200,300\t▁▅█")
    }

    func testCalendarArgumentsAreChecked() throws {
        let r = try runTool(["-e", """
            for _, call in ipairs({
              function() return backups.report.calendar("x") end,
              function() return backups.report.calendar({}, {days = 0, now = 0}) end,
              function() return backups.report.calendar({ { status = "completed", ["$createdAt"] = "yesterday" } }, {now = 0}) end,
            }) do print((select(2, pcall(call)))) end
            print(backups.report.calendar({}, {days = 3, now = 0}))
            """])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("bad argument #1 to 'calendar' (table expected, got string)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("days must be an integer from 1 to 3660"), r.stdout)
        XCTAssertTrue(r.stdout.contains("not an ISO 8601 date: yesterday"), r.stdout)
        XCTAssertTrue(r.stdout.contains("(no archives and no policies)"), r.stdout)
    }

    /// Runs bkup with its standard output on a pseudo-terminal; what it wrote there.
    func onATerminal(_ args: [String], env: [String: String] = [:]) throws -> String {
        let driver = """
            import os, pty, sys
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(sys.argv[1], sys.argv[1:])
            out = b""
            while True:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    break
                if not data:
                    break
                out += data
            os.waitpid(pid, 0)
            sys.stdout.buffer.write(out.replace(b"\\r\\n", b"\\n"))
            """
        let r = try runProgram("/usr/bin/env", ["python3", "-c", driver, bkupUnderTest] + args,
                               env: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout
    }
}
