import Foundation

extension Date {
    /// `2026-05-01T12:34:56Z`: how the API writes instants. A format style, not a
    /// formatter object per call (the API renders one per row).
    package var iso8601: String { formatted(.iso8601) }

    /// `2026-05-01 12:34:56 UTC`, for people.
    package var humanUTC: String {
        var text = iso8601
        text = text.replacingOccurrences(of: "T", with: " ")
        if text.hasSuffix("Z") { text.removeLast(); text += " UTC" }
        return text
    }
}
