import Foundation
import XCTest

/// The binary the end-to-end tests run is the one `install.sh` ships. `./test.sh` builds it as
/// install.sh builds it, installs it into a temporary prefix and names it in BKUP_UNDER_TEST;
/// these tests check that the processes the other tests start really are that file.
final class InstalledBinaryTests: XCTestCase {
    /// The path of the program a running process was started from.
    func executable(ofProcess pid: Int32) throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
    }

    func testTheProcessesTheTestsStartAreTheBinaryUnderTest() throws {
        let expected = URL(fileURLWithPath: bkupUnderTest).resolvingSymlinksInPath().path
        // A script's own process, asked from inside: the shell io.popen starts is its child.
        let script = try runTool(["-e", "print(io.popen('readlink /proc/$PPID/exe'):read('l'))"])
        XCTAssertEqual(script.status, 0, script.stderr)
        XCTAssertEqual(script.stdout, expected + "\n")
        // A server the tests start.
        let server = try ServeProcess(["--in-memory"])
        XCTAssertEqual(try executable(ofProcess: server.process.processIdentifier), expected)
        XCTAssertEqual(server.interrupt(), 0)
    }

    /// Under ./test.sh: the binary is the installed one, built as it ships.
    func testTheBinaryUnderTestIsTheInstalledReleaseBuild() throws {
        guard let path = ProcessInfo.processInfo.environment["BKUP_UNDER_TEST"], !path.isEmpty else {
            throw XCTSkip("BKUP_UNDER_TEST is not set: a plain `swift test` runs the debug build (./test.sh runs the installed one)")
        }
        let prefix = URL(fileURLWithPath: path).deletingLastPathComponent().deletingLastPathComponent().path
        XCTAssertTrue(path.hasSuffix("/bin/bkup"), path)
        // install.sh put it there, with what it installs beside it.
        let manifest = try String(contentsOfFile: prefix + "/share/bkup/installed-files", encoding: .utf8)
        XCTAssertTrue(manifest.split(separator: "\n").contains("bin/bkup"), manifest)
        XCTAssertTrue(FileManager.default.fileExists(atPath: prefix + "/share/man/man1/bkup.1"))
        // Stripped (no symbol table), with the Swift runtime linked in (no libswiftCore.so).
        let sections = try runProgram("/usr/bin/env", ["readelf", "--section-headers", "--wide", path])
        XCTAssertEqual(sections.status, 0, sections.stderr)
        XCTAssertTrue(sections.stdout.contains(".text"), sections.stdout)
        XCTAssertFalse(sections.stdout.contains(".symtab"), "not stripped")
        let dynamic = try runProgram("/usr/bin/env", ["readelf", "--dynamic", path])
        XCTAssertEqual(dynamic.status, 0, dynamic.stderr)
        XCTAssertTrue(dynamic.stdout.contains("libc.so"), dynamic.stdout)
        XCTAssertFalse(dynamic.stdout.contains("libswiftCore"), "the Swift runtime is linked dynamically: not the release build")
        XCTAssertFalse(dynamic.stdout.contains("liblua5.4.so"), "Lua is linked dynamically: not the release build")
    }
}
