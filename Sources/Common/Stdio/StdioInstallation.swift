import Foundation

/// Finds the folders a program needs to read beyond the system's: its installation prefix
/// (the folder above its `bin/`), and for a script the prefix of its interpreter (a Python
/// virtual environment's `home` too). Anything under `/usr` is bound already.
package enum StdioInstallation {
    package static func paths(for command: String) -> [String] {
        var out: [String] = []
        func add(prefixOf binary: String) {
            let real = URL(fileURLWithPath: binary).resolvingSymlinksInPath().path
            let folder = (real as NSString).deletingLastPathComponent
            let prefix = (folder as NSString).lastPathComponent == "bin" ? (folder as NSString).deletingLastPathComponent : folder
            guard !isSystem(prefix), !out.contains(prefix) else { return }
            out.append(prefix)
            if let cfg = try? String(contentsOfFile: prefix + "/pyvenv.cfg", encoding: .utf8) {
                for line in cfg.split(separator: "\n") {
                    let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    if parts.count == 2, parts[0] == "home", parts[1].hasPrefix("/") { add(prefixOf: parts[1] + "/python3") }
                }
            }
        }
        // The command as named (a venv's bin/ is what matters, not where a symlink leads).
        let named = (command as NSString).deletingLastPathComponent
        if (named as NSString).lastPathComponent == "bin" {
            let prefix = (named as NSString).deletingLastPathComponent
            if !isSystem(prefix) { out.append(prefix) }
        }
        add(prefixOf: command)
        if let interpreter = shebang(of: command) { add(prefixOf: interpreter) }
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }

    private static func isSystem(_ path: String) -> Bool {
        path == "/" || path == "/usr" || path.hasPrefix("/usr/") || path == "/bin" || path == "/sbin"
    }

    private static func shebang(of path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 256), head.starts(with: Array("#!".utf8)),
              let text = String(data: head, encoding: .utf8)?.split(separator: "\n").first else { return nil }
        let interpreter = text.dropFirst(2).trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init)
        return interpreter?.hasPrefix("/") == true ? interpreter : nil
    }
}
