/// A fragment of HTML. Interpolating a `String` into an `HTML` literal escapes it;
/// interpolating another `HTML` inserts it as is. So user-supplied text can only ever
/// reach a page through `HTML.escape`, the one escape helper of the dashboard.
struct HTML: Sendable, CustomStringConvertible, ExpressibleByStringInterpolation {
    /// The markup.
    var text: String

    /// Markup that is already safe (built from other `HTML` values or constants).
    init(raw: String) { text = raw }

    init(stringLiteral value: String) { text = value }

    init(stringInterpolation: StringInterpolation) { text = stringInterpolation.out }

    var description: String { text }

    /// Escapes text for use between tags and inside double- or single-quoted attributes.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\0": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Joins fragments.
    static func join(_ parts: [HTML], separator: String = "") -> HTML {
        HTML(raw: parts.map(\.text).joined(separator: separator))
    }

    struct StringInterpolation: StringInterpolationProtocol {
        var out = ""
        init(literalCapacity: Int, interpolationCount: Int) { out.reserveCapacity(literalCapacity + interpolationCount * 16) }
        mutating func appendLiteral(_ literal: String) { out += literal }
        /// User text: always escaped.
        mutating func appendInterpolation(_ text: String) { out += HTML.escape(text) }
        /// Optional user text: escaped, nothing when nil.
        mutating func appendInterpolation(_ text: String?) { out += HTML.escape(text ?? "") }
        mutating func appendInterpolation(_ html: HTML) { out += html.text }
        mutating func appendInterpolation(_ parts: [HTML]) { for p in parts { out += p.text } }
        mutating func appendInterpolation(_ number: Int) { out += String(number) }
    }
}
