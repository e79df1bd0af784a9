import Foundation
import JunctionCore

/// A throttle limit: at most `count` per `window`, as a token bucket (a burst of `count`,
/// refilled evenly over the window). Written `N/s`, `N/m`, `N/h`, `N/d` or `N/<seconds>s`;
/// `off` (or `0`) turns it off.
struct ThrottleLimit: Sendable, Equatable {
    var count: Int
    /// The window, milliseconds.
    var windowMs: Int

    init(count: Int, windowMs: Int) {
        self.count = count
        self.windowMs = windowMs
    }

    /// Parses a limit; nil means off. A malformed value is a configuration error naming `key`.
    static func parse(_ text: String, key: String) throws -> ThrottleLimit? {
        let raw = text.trimmingCharacters(in: .whitespaces).lowercased()
        if raw == "off" || raw == "0" { return nil }
        let invalid = JunctionError("invalid_configuration",
                                    "\(key) must look like 10/m (a count per s, m, h, d or <n>s) or off, got '\(text)'")
        let parts = raw.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, let count = Int(parts[0]), count >= 0, count <= 1_000_000 else { throw invalid }
        if count == 0 { return nil }
        let units: [Character: Int] = ["s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
        guard let unit = parts[1].last, let unitMs = units[unit] else { throw invalid }
        let digits = parts[1].dropLast()
        let multiple = digits.isEmpty ? 1 : Int(digits)
        guard let multiple, multiple >= 1, multiple <= 1_000_000 else { throw invalid }
        return ThrottleLimit(count: count, windowMs: multiple * unitMs)
    }

    /// How the limit reads in logs.
    var description: String { "\(count) per \(windowMs / 1000) s" }
}
