import BkupFuzzTargets
import Foundation
import XCTest

/// Every input the fuzzers keep is replayed here, in the normal suite: the committed seed corpus
/// of each target (Tests/Fuzz/Corpus/TARGET) and every input that once crashed or broke a
/// property (Tests/Fuzz/Crashes/TARGET), kept after its fix so that it stays fixed. A crash
/// fails the run; a broken property fails the test with the input's name.
final class ReplayTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(_ folder: String, _ target: String) -> [URL] {
        let dir = root.appendingPathComponent(folder).appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { dir.appendingPathComponent($0) }
    }

    func replay(_ folder: String) throws -> Int {
        var count = 0
        for (name, target) in FuzzTargets.all.sorted(by: { $0.key < $1.key }) {
            for url in Self.inputs(folder, name) {
                let bytes = Array(try Data(contentsOf: url))
                if let problem = target(bytes) { XCTFail("\(name)/\(url.lastPathComponent): \(problem)") }
                count += 1
            }
        }
        return count
    }

    func testEveryTargetHasASeedCorpusThatPasses() throws {
        for name in FuzzTargets.all.keys.sorted() {
            XCTAssertFalse(Self.inputs("Corpus", name).isEmpty, "no seed corpus for \(name) in \(Self.root.path)/Corpus/\(name)")
        }
        XCTAssertGreaterThan(try replay("Corpus"), FuzzTargets.all.count)
    }

    func testEveryKeptCrashInputStaysFixed() throws {
        _ = try replay("Crashes")
    }
}
