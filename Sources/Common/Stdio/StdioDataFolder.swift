import Foundation
import JunctionCore

/// Where a user's persistent folder for a stdio source lives on the host:
/// `<root>/<owner>/<source id>`. Both parts are ids Junction generated (never the slug),
/// checked to be plain names, so no spelling can reach outside the root or another user's
/// folder. The folder is created mode 0700 on first use.
package enum StdioDataFolder {
    package static func path(root: String, owner: String, sourceID: String) throws -> String {
        for part in [owner, sourceID] where !isPlain(part) {
            throw JunctionError("stdio_data_folder", "refusing a stdio data folder for the id \(part.debugDescription)", status: 400)
        }
        guard root.hasPrefix("/") else { throw JunctionError("stdio_data_folder", "the stdio data folder root must be absolute") }
        return (root as NSString).standardizingPath + "/" + owner + "/" + sourceID
    }

    /// Creates the folder (and its owner's, both 0700) if missing; returns its path.
    package static func create(root: String, owner: String, sourceID: String) throws -> String {
        let path = try path(root: root, owner: owner, sourceID: sourceID)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: (path as NSString).deletingLastPathComponent)
        return path
    }

    static func isPlain(_ part: String) -> Bool {
        !part.isEmpty && part.count <= 128 && part != "." && part != ".." && part.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_")
        }
    }
}
