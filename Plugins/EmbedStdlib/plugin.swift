import Foundation
import PackagePlugin

/// Builds Lua files into the target as Swift string literals (and their bytecode), so that the
/// binary needs no install step and works from any directory: `stdlib/` and `types/` into BkupKit
/// (the modules scripts `require`; the editor types, which help() reads too), `scripts/` into bkup
/// (`bkup run NAME`).
@main
struct EmbedStdlib: BuildToolPlugin {
    static let folders: [String: [(enumName: String, folder: String)]] = [
        "BkupKit": [("EmbeddedStdlib", "stdlib"), ("EmbeddedTypes", "types")],
        "bkup": [("EmbeddedScripts", "scripts")],
    ]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        try (Self.folders[target.name] ?? []).map { item in
            let folder = context.package.directoryURL.appending(path: item.folder)
            var inputs: [URL] = []
            if let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) {
                for case let url as URL in walker where url.pathExtension == "lua" {
                    inputs.append(url)
                }
            }
            inputs.sort { $0.path < $1.path }
            let output = context.pluginWorkDirectoryURL.appending(path: "\(item.enumName).swift")
            return .buildCommand(
                displayName: "Embedding \(inputs.count) Lua files of \(item.folder)/",
                executable: try context.tool(named: "lua-embed").url,
                arguments: [item.enumName, folder.path, output.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output])
        }
    }
}
