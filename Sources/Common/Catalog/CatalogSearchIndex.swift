import Foundation

/// An in-memory full-text index over one owner's catalog that ranks exactly as the
/// store's FTS5 table does — `bm25(catalog_fts, 10, 5, 1, 3, 2)` over quoted prefix
/// terms — but without evaluating BM25 inside SQLite for every matching row, which
/// costs tens of milliseconds when a common word matches the whole catalog.
///
/// Built once per catalog version (see `AppDatabase.searchCatalog`) and immutable
/// afterwards, so concurrent searches share it freely. Collection statistics (row
/// count, average length, document frequencies) are the owner's own, so one user's
/// ranking never depends on another user's catalog.
package final class CatalogSearchIndex: Sendable {
    /// One indexed entry: the five searchable columns plus what a hit shows.
    package struct Document: Sendable {
        package var callName: String
        package var sourceID: String
        package var kind: String
        package var title: String
        package var description: String
        package var method: String?
        package var path: String?
        package var signature: String
        /// callName, title, description, tags, params — the FTS5 columns, in order.
        package var columns: [String]

        package init(callName: String, sourceID: String, kind: String, title: String, description: String,
                     method: String?, path: String?, signature: String, columns: [String]) {
            self.callName = callName
            self.sourceID = sourceID
            self.kind = kind
            self.title = title
            self.description = description
            self.method = method
            self.path = path
            self.signature = signature
            self.columns = columns
        }
    }

    /// Column weights of the ranking, as passed to FTS5's `bm25()`.
    package static let columnWeights: [Double] = [10, 5, 1, 3, 2]
    private static let k1 = 1.2
    private static let b = 0.75

    package let documents: [Document]
    /// Vocabulary in byte order, so every token with a given prefix is one contiguous range.
    private let terms: [String]
    /// For each term: (document, weighted occurrence count) pairs, documents ascending.
    private let postings: [[(doc: Int32, weight: Double)]]
    /// Tokens per document over all columns (FTS5's `xColumnSize(-1)`).
    private let lengths: [Double]
    private let averageLength: Double
    /// Document indexes ordered by call name, for queries without terms.
    private let byName: [Int32]
    /// Each document's position in `byName`: ties in score are broken by comparing these,
    /// not the names (a common word ties thousands of entries).
    private let nameRank: [Int32]

    package init(documents: [Document]) {
        self.documents = documents
        // Tokens are interned once, so each occurrence costs one hash lookup.
        var ids: [String: Int32] = [:]
        var vocabulary: [String] = []
        var byTerm: [[(doc: Int32, weight: Double)]] = []
        var lengths = [Double](repeating: 0, count: documents.count)
        var total = 0.0
        var localTerms: [Int32] = []
        var localWeights: [Double] = []
        for (i, document) in documents.enumerated() {
            localTerms.removeAll(keepingCapacity: true)
            localWeights.removeAll(keepingCapacity: true)
            var count = 0
            for (column, text) in document.columns.enumerated() where column < Self.columnWeights.count {
                let weight = Self.columnWeights[column]
                for token in Self.tokens(text) {
                    let id: Int32
                    if let known = ids[token] {
                        id = known
                    } else {
                        id = Int32(vocabulary.count)
                        ids[token] = id
                        vocabulary.append(token)
                        byTerm.append([])
                    }
                    if let k = localTerms.firstIndex(of: id) { localWeights[k] += weight } else { localTerms.append(id); localWeights.append(weight) }
                    count += 1
                }
            }
            for (k, id) in localTerms.enumerated() { byTerm[Int(id)].append((Int32(i), localWeights[k])) }
            lengths[i] = Double(count)
            total += Double(count)
        }
        let order = vocabulary.indices.sorted { vocabulary[$0].utf8.lexicographicallyPrecedes(vocabulary[$1].utf8) }
        self.terms = order.map { vocabulary[$0] }
        self.postings = order.map { byTerm[$0] }
        self.lengths = lengths
        self.averageLength = documents.isEmpty ? 1 : max(total / Double(documents.count), 1e-9)
        self.byName = documents.indices
            .sorted { documents[$0].callName.utf8.lexicographicallyPrecedes(documents[$1].callName.utf8) }
            .map { Int32($0) }
        var nameRank = [Int32](repeating: 0, count: documents.count)
        for (rank, doc) in byName.enumerated() { nameRank[Int(doc)] = Int32(rank) }
        self.nameRank = nameRank
    }

    /// Lower-cased, diacritic-free runs of letters and digits — what FTS5's
    /// `unicode61 remove_diacritics 2 separators '_'` tokenizer produces.
    package static func tokens(_ text: String) -> [String] {
        var out: [String] = []
        var current = String.UnicodeScalarView()
        var plain = true
        func flush() {
            guard !current.isEmpty else { return }
            let token = String(current)
            out.append(plain ? token : token.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil))
            current.removeAll(keepingCapacity: true)
            plain = true
        }
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                let v = scalar.value
                if (v >= 0x30 && v <= 0x39) || (v >= 0x61 && v <= 0x7A) {
                    current.append(scalar)
                } else if v >= 0x41 && v <= 0x5A {
                    current.append(Unicode.Scalar(v + 0x20)!)
                } else {
                    flush()
                }
            } else if Self.isTokenScalar(scalar) {
                current.append(scalar)
                plain = false
            } else {
                flush()
            }
        }
        flush()
        return out
    }

    private static func isTokenScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber, .privateUse:
            return true
        default:
            return false
        }
    }

    /// Ranked hits for prefix `terms` (already lower-cased words), best first, ties by
    /// call name; `include` filters documents after ranking statistics are computed,
    /// exactly as the SQL filters run after FTS5 scored its matches.
    package func search(terms queryTerms: [String], matchAll: Bool, limit: Int,
                        include: (Document) -> Bool) -> [Document] {
        guard limit > 0 else { return [] }
        guard !queryTerms.isEmpty else {
            var hits: [Document] = []
            for i in byName where include(documents[Int(i)]) {
                hits.append(documents[Int(i)])
                if hits.count == limit { break }
            }
            return hits
        }
        let n = Double(documents.count)
        var freq = [[Double]]()
        var idf = [Double]()
        var touched: [Int32] = []
        var seen = [Bool](repeating: false, count: documents.count)
        for term in queryTerms {
            var f = [Double](repeating: 0, count: documents.count)
            var hitCount = 0
            for t in range(prefix: term) {
                for (doc, weight) in postings[t] {
                    if f[Int(doc)] == 0 { hitCount += 1 }
                    f[Int(doc)] += weight
                    if !seen[Int(doc)] { seen[Int(doc)] = true; touched.append(doc) }
                }
            }
            let h = Double(hitCount)
            let value = log((n - h + 0.5) / (h + 0.5))
            idf.append(value <= 0 ? 1e-6 : value)
            freq.append(f)
        }
        // Only the best `limit` matching documents are kept (filters apply here, which
        // selects the same hits as ranking everything and filtering afterwards); a
        // common word matching every entry no longer means sorting the whole catalog.
        var top: [(score: Double, doc: Int32)] = []
        top.reserveCapacity(limit + 1)
        let nameRank = self.nameRank
        func before(_ a: (score: Double, doc: Int32), _ b: (score: Double, doc: Int32)) -> Bool {
            a.score != b.score ? a.score < b.score : nameRank[Int(a.doc)] < nameRank[Int(b.doc)]
        }
        for doc in touched {
            let d = Int(doc)
            if matchAll && freq.contains(where: { $0[d] == 0 }) { continue }
            let norm = Self.k1 * (1 - Self.b + Self.b * lengths[d] / averageLength)
            var score = 0.0
            for (p, f) in freq.enumerated() where f[d] > 0 {
                score += idf[p] * (f[d] * (Self.k1 + 1)) / (f[d] + norm)
            }
            let candidate = (score: -score, doc: doc)
            if top.count == limit, let last = top.last, !before(candidate, last) { continue }
            guard include(documents[d]) else { continue }
            var lo = 0, hi = top.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if before(top[mid], candidate) { lo = mid + 1 } else { hi = mid }
            }
            top.insert(candidate, at: lo)
            if top.count > limit { top.removeLast() }
        }
        return top.map { documents[Int($0.doc)] }
    }

    /// Indexes into `terms` of every term starting with `prefix`.
    private func range(prefix: String) -> Range<Int> {
        let p = Array(prefix.utf8)
        var lo = 0, hi = terms.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if terms[mid].utf8.lexicographicallyPrecedes(p) { lo = mid + 1 } else { hi = mid }
        }
        var end = lo
        while end < terms.count, terms[end].utf8.starts(with: p) { end += 1 }
        return lo..<end
    }
}
