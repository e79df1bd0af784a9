import Foundation

/// Where Junction may send a browser after sign-in (`/login?next=…`, the OIDC start):
/// only a path on Junction's own origin. The value is parsed, not pattern-matched, and
/// anything a browser could read as another origin falls back to `/`:
/// `//evil`, `/\evil`, `/%09/evil` (browsers drop tabs and newlines, leaving `//evil`),
/// `http:evil`, encoded separators in the path (`/%2F…`, `/%5C…`), control characters.
enum RedirectTarget {
    static let fallback = "/"
    static let maxLength = 2000
    /// A host no real request names: the candidate is resolved against it, and must still
    /// point there afterwards.
    private static let probeBase = "http://redirect-target.invalid"

    /// `raw` when it is a same-origin path (rebuilt from its parsed path and query), else `/`.
    static func sameOriginPath(_ raw: String?) -> String {
        guard let raw, !raw.isEmpty, raw.utf8.count <= maxLength else { return fallback }
        // Printable ASCII only: control characters are stripped by browsers (so `/\t/x`
        // becomes `//x`), a backslash counts as a slash, and anything else should have
        // come percent-encoded.
        guard raw.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }), !raw.contains("\\") else { return fallback }
        let scalars = Array(raw.unicodeScalars)
        guard scalars[0] == "/", scalars.count == 1 || scalars[1] != "/" else { return fallback }
        let pathEnd = raw.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? raw.endIndex
        guard !hasEncodedSeparatorOrControl(raw[..<pathEnd]) else { return fallback }
        guard let parsed = URLComponents(string: probeBase + raw), parsed.scheme == "http", parsed.host == "redirect-target.invalid",
              parsed.port == nil, parsed.user == nil, parsed.password == nil else { return fallback }
        // Browsers resolve dot segments, so `/.//evil` is read as `//evil`: judge (and send)
        // the resolved path.
        let path = removingDotSegments(parsed.percentEncodedPath)
        guard path.hasPrefix("/"), !path.hasPrefix("//") else { return fallback }
        return path + (parsed.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    /// RFC 3986 §5.2.4 for an absolute path (`.` and `..` segments, percent-encoded or not).
    static func removingDotSegments(_ path: String) -> String {
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (index, segment) in segments.enumerated() {
            let isLast = index == segments.count - 1
            switch segment.lowercased() {
            case ".", "%2e":
                if isLast { output.append("") }
            case "..", ".%2e", "%2e.", "%2e%2e":
                if !output.isEmpty { output.removeLast() }
                if isLast { output.append("") }
            default:
                output.append(segment)
            }
        }
        return "/" + output.joined(separator: "/")
    }

    /// Whether a path holds `%2F`, `%5C` or an encoded control character: a later decode
    /// (a proxy, a framework) would turn them into separators or strip them.
    private static func hasEncodedSeparatorOrControl(_ path: Substring) -> Bool {
        let bytes = Array(path.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%") {
                guard i + 2 < bytes.count, let value = UInt8(String(decoding: bytes[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) else {
                    return true
                }
                if value == UInt8(ascii: "/") || value == UInt8(ascii: "\\") || value < 0x20 || value == 0x7F { return true }
                i += 3
            } else {
                i += 1
            }
        }
        return false
    }
}
