/// "Did you mean …": the call names closest to a mistyped one.
package enum CallNameSuggester {
    /// Up to `limit` names, closest first (edit distance on lowercased names, with a bonus
    /// for sharing the same source prefix and for containing the other name).
    package static func closest(to name: String, in names: [String], limit: Int = 3) -> [String] {
        let target = Array(name.lowercased())
        let cutoff = max(3, target.count / 2)
        // Large catalogs: compare within the source the name points at, and only names
        // whose length could be within the cutoff.
        var pool = names
        if let underscore = name.firstIndex(of: "_") {
            let prefix = name[...underscore]
            let sameSource = names.filter { $0.hasPrefix(prefix) }
            if !sameSource.isEmpty { pool = sameSource }
        }
        pool = pool.filter { abs($0.count - target.count) <= cutoff + 3 }
        let scored = pool.map { candidate -> (Int, String) in
            let c = candidate.lowercased()
            var score = distance(target, Array(c))
            if c.contains(name.lowercased()) || name.lowercased().contains(c) { score -= 3 }
            return (score, candidate)
        }
        return scored.filter { $0.0 <= cutoff }.sorted { $0 < $1 }.prefix(limit).map(\.1)
    }

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
