import Foundation

/// Text files bundled with the frontend (`Sources/Frontend/Resources`, copied next to the
/// binary as its resource bundle). They ship with every build, so a missing one is a broken
/// installation: `buildApplication` loads them all before it serves, and says which is missing.
enum FrontendResource {
    /// The directory inside the bundle (`.copy("Resources")` keeps the folder's name).
    static let directory = "Resources"

    /// The text of a bundled file, e.g. `dashboard.css`.
    static func text(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: directory),
              let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8) else {
            throw FrontendResourceMissing(name: name)
        }
        return text
    }

    /// Several files joined in order, without the final newline of the last one (a script
    /// split into files for reading is served as one).
    static func joined(_ names: [String]) throws -> String {
        var text = try names.map(self.text).joined()
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}

/// A bundled resource could not be read: the installation is incomplete.
struct FrontendResourceMissing: Error, CustomStringConvertible {
    let name: String
    var description: String {
        "the frontend's resource '\(name)' is missing from its bundle (Junction_Frontend.resources next to the binary); reinstall or rebuild"
    }
}
