import Foundation

/// Turns operation names into JavaScript identifiers: `codemode.<slug>_<name>`.
package enum CallName {
    /// A valid identifier fragment: letters, digits and `_`, at most 64 characters.
    package static func sanitize(_ raw: String) -> String {
        var out = ""
        var lastUnderscore = false
        for scalar in raw.unicodeScalars {
            if scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar)) {
                out.unicodeScalars.append(scalar)
                lastUnderscore = false
            } else if !lastUnderscore && !out.isEmpty {
                out.append("_")
                lastUnderscore = true
            }
        }
        while out.hasSuffix("_") { out.removeLast() }
        if out.isEmpty { out = "op" }
        return String(out.prefix(64))
    }

    /// The words of a name for full-text search: `showPetById` → `show Pet By Id`,
    /// `get_/pets/{id}` → `get pets id`.
    package static func words(_ raw: String) -> String {
        var out = ""
        var previous: Character?
        for ch in raw {
            if ch.isLetter || ch.isNumber {
                if let p = previous, (p.isLowercase && ch.isUppercase) || (p.isLetter != ch.isLetter) { out.append(" ") }
                out.append(ch)
                previous = ch
            } else {
                if previous != nil { out.append(" ") }
                previous = nil
            }
        }
        return out.split(separator: " ").joined(separator: " ")
    }

    /// A slug is lowercase letters, digits and `_`, starting with a letter.
    package static func isValidSlug(_ slug: String) -> Bool {
        guard let first = slug.unicodeScalars.first, (97...122).contains(first.value), slug.count <= 40 else { return false }
        return slug.unicodeScalars.allSatisfy { (97...122).contains($0.value) || (48...57).contains($0.value) || $0 == "_" }
    }

    /// The base call name for an operation of a source: `<slug>_<hint>`, except that a
    /// hint already starting with the slug and `_` (any case) is not prefixed again:
    /// tool `git_log` of source `git` is `git_log`, not `git_git_log`. `repeatingSlug`
    /// keeps the old doubled form, for sources whose names were made that way.
    package static func base(slug: String, hint: String, repeatingSlug: Bool = false) -> String {
        let name = sanitize(hint)
        let prefix = slug + "_"
        if !repeatingSlug, name.count > prefix.count, name.lowercased().hasPrefix(prefix) {
            return prefix + name.dropFirst(prefix.count)
        }
        return prefix + name
    }
}
