import Foundation

/// An in-memory full-text index over one owner's catalog, ranked for the way a model
/// asks for an operation ("list files in a directory", "add user to group").
///
/// Ranking is BM25F over eight fields (`Field`): call name (operation id split into words),
/// title (summary), description, tags, parameters, path words, the resource the path names
/// (`APIVocabulary.resource`), and the *intents* its HTTP method and path shape imply
/// (`APIVocabulary.intents`) — each with its own weight and length normalisation
/// (`SearchTuning`), so a word in a short title counts more than the same word deep in a
/// long description. Text is split into words and stemmed (`SearchAnalyzer`,
/// `PorterStemmer`); a query becomes concepts (`SearchQuery`) that also reach synonyms and
/// intents at a discount, each variant scored with its own rarity and a document keeping
/// its best. Two factors then act on the sum: an entry whose resource the query never
/// names, or whose method contradicts the request's verb, counts less. Every hit says
/// which query words matched and through what (`Hit.matched`), so a person or a model can
/// see why it ranked. Equal scores are ordered by call name.
///
/// Built once per catalog version (see `CatalogStore.searchCatalog`) and immutable
/// afterwards, so concurrent searches share it freely. Collection statistics are the
/// owner's own, so one user's ranking never depends on another user's catalog.
package final class CatalogSearchIndex: Sendable {
    /// One indexed entry: the searchable columns plus what a hit shows.
    package struct Document: Sendable {
        package var callName: String
        package var sourceID: String
        package var kind: String
        package var title: String
        package var description: String
        package var method: String?
        package var path: String?
        package var signature: String
        /// callName (+ its words), title, description, tags, params — the `catalog_fts` columns, in order.
        package var columns: [String]
        package var deprecated: Bool

        package init(callName: String, sourceID: String, kind: String, title: String, description: String,
                     method: String?, path: String?, signature: String, columns: [String], deprecated: Bool = false) {
            self.callName = callName
            self.sourceID = sourceID
            self.kind = kind
            self.title = title
            self.description = description
            self.method = method
            self.path = path
            self.signature = signature
            self.columns = columns
            self.deprecated = deprecated
        }
    }

    /// A ranked entry and why it matched: `"files→file"`, `"group→team"`, `"list→GET on a collection"`.
    package struct Hit: Sendable {
        package var document: Document
        package var score: Double
        package var matched: [String]
    }

    /// The fields of an entry, in the order of `fieldWeights`.
    package enum Field: Int, CaseIterable, Sendable {
        /// Call name and operation id, split into words.
        case name, title, description, tags, params
        /// The literal words of the path.
        case path
        /// The one thing the operation acts on (`APIVocabulary.resource`).
        case resource
        /// Virtual intent terms (`~list`, `~create`, …), counted with their weights.
        case intent
    }

    package let tuning: SearchTuning

    package let documents: [Document]
    /// Vocabulary in byte order, so every term with a given prefix is one contiguous range.
    private let terms: [String]
    /// A word the term was seen as (`creat` → `create`), for explanations.
    private let surfaces: [String]
    /// For each term: (document, BM25F pseudo-frequency) pairs, documents ascending.
    private let postings: [[Posting]]
    /// Whether each document's method (or tool name) says what it does.
    private let hasIntent: [Bool]
    /// Each document's resource terms (indexes into `terms`: the whole segment and its last part), or -1.
    private let resources: [(Int32, Int32)]
    /// Document indexes ordered by call name, for queries without terms.
    private let byName: [Int32]
    /// Each document's position in `byName`: ties in score are broken by comparing these,
    /// not the names (a common word ties thousands of entries).
    private let nameRank: [Int32]

    private struct Posting: Sendable {
        var doc: Int32
        var weight: Float
    }

    package init(documents: [Document], tuning: SearchTuning = .default) {
        self.documents = documents
        self.tuning = tuning
        let builder = Builder(documents: documents, tuning: tuning)
        let order = builder.vocabulary.indices.sorted { builder.vocabulary[$0].utf8.lexicographicallyPrecedes(builder.vocabulary[$1].utf8) }
        self.terms = order.map { builder.vocabulary[$0] }
        self.surfaces = order.map { builder.surfaces[$0] }
        self.postings = order.map { builder.postings[$0] }
        var position = [Int32](repeating: 0, count: order.count)
        for (k, id) in order.enumerated() { position[id] = Int32(k) }
        self.hasIntent = builder.hasIntent
        self.resources = builder.resources.map { ($0.0 < 0 ? -1 : position[Int($0.0)], $0.1 < 0 ? -1 : position[Int($0.1)]) }
        self.byName = documents.indices
            .sorted { documents[$0].callName.utf8.lexicographicallyPrecedes(documents[$1].callName.utf8) }
            .map { Int32($0) }
        var nameRank = [Int32](repeating: 0, count: documents.count)
        for (rank, doc) in byName.enumerated() { nameRank[Int(doc)] = Int32(rank) }
        self.nameRank = nameRank
    }

    /// The terms of each field of `document` (`intent` terms carry their weight as a count).
    package static func fields(of document: Document, stem: (String) -> String = PorterStemmer.stem) -> [[(term: String, count: Double)]] {
        var out = [[(term: String, count: Double)]](repeating: [], count: Field.allCases.count)
        let column = { (i: Int) in i < document.columns.count ? document.columns[i] : "" }
        let literal = (document.path ?? "").split(separator: "/").filter { !$0.hasPrefix("{") }.joined(separator: " ")
        let texts = [column(0), column(1), column(2), column(3), parameterText(column(4), document: document), literal]
        for (field, text) in texts.enumerated() {
            out[field] = SearchAnalyzer.terms(text, phrases: field == Field.title.rawValue, stem: stem).map { ($0, 1) }
        }
        let name = column(0).split(separator: " ").dropFirst().joined(separator: " ")
        if let resource = APIVocabulary.resource(method: document.method, path: document.path, name: name) {
            // The whole segment, and its last part: compounds are head-final (`eventLogs` is logs).
            out[Field.resource.rawValue] = [(stem(resource.joined()), 1)]
            if resource.count > 1, let last = resource.last { out[Field.resource.rawValue].append((stem(last), 1)) }
        }
        if document.method != nil {
            out[Field.intent.rawValue] = APIVocabulary.intents(method: document.method, path: document.path).map { ($0.term, $0.weight) }
        } else if let verb = SearchAnalyzer.runs(name).joined().first(where: { SearchQuery.intents[PorterStemmer.stem($0)] != nil }) {
            // A tool has no method: the verb of its name says what it does (`git_create_branch`).
            out[Field.intent.rawValue] = SearchQuery.intents[PorterStemmer.stem(verb)]!.map { ($0.term, $0.weight) }
        }
        return out
    }

    /// The parameter names of the `params` column, without the method and path words the
    /// store appends to it (those have their own fields here).
    private static func parameterText(_ column: String, document: Document) -> String {
        let suffix = " " + (document.method ?? "") + " " + CallName.words(document.path ?? "")
        return column.hasSuffix(suffix) ? String(column.dropLast(suffix.count)) : column
    }

    /// Ranked hits for `query`, best first, ties by call name; `include` filters documents
    /// after ranking statistics are computed (it sees only candidates for the top `limit`).
    package func search(_ query: String, matchAll: Bool = false, limit: Int, include: (Document) -> Bool = { _ in true }) -> [Hit] {
        search(SearchQuery(query, tuning: tuning), matchAll: matchAll, limit: limit, include: include)
    }

    package func search(_ query: SearchQuery, matchAll: Bool, limit: Int, include: (Document) -> Bool) -> [Hit] {
        guard limit > 0 else { return [] }
        let concepts = Array(query.concepts.prefix(SearchQuery.maxConcepts))
        guard !concepts.isEmpty else {
            var hits: [Hit] = []
            for i in byName where include(documents[Int(i)]) {
                hits.append(Hit(document: documents[Int(i)], score: 0, matched: []))
                if hits.count == limit { break }
            }
            return hits
        }
        var scores = [Double](repeating: 0, count: documents.count)
        var masks = [UInt64](repeating: 0, count: documents.count)
        var best = [Double](repeating: 0, count: documents.count)
        var resourceHit = [Bool](repeating: false, count: documents.count)
        var touched: [Int32] = []
        var conceptTouched: [Int32] = []
        var required: UInt64 = 0
        let resources = self.resources
        let k1 = tuning.k1
        for (c, concept) in concepts.enumerated() {
            if concept.required { required |= 1 << UInt64(c) }
            conceptTouched.removeAll(keepingCapacity: true)
            let cap = self.cap(concept)
            // Each variant scores with its own rarity (capped by the word's), and a document
            // keeps its best variant: synonyms widen a word's reach without adding up.
            for variant in concept.variants {
                for t in ranges(variant) {
                    let weight = variant.weight * (terms[t] == variant.term ? 1 : variant.prefixWeight ?? tuning.prefixWeight)
                    let idf = concept.fixedIDF ?? min(idf(t), cap)
                    let term = Int32(t)
                    for p in postings[t] {
                        let d = Int(p.doc)
                        let f = Double(p.weight)
                        let contribution = weight * idf * f * (k1 + 1) / (f + k1)
                        if best[d] == 0 { conceptTouched.append(p.doc) }
                        if contribution > best[d] { best[d] = contribution }
                        if (resources[d].0 == term || resources[d].1 == term) && weight >= variant.weight { resourceHit[d] = true }
                    }
                }
            }
            var boost = concept.boost
            if let weakenedBy = concept.weakenedBy, !ranges(SearchQuery.Variant(term: weakenedBy, weight: 1, prefix: false)).isEmpty {
                boost *= concept.weakened
            }
            let bit = UInt64(1) << UInt64(c)
            for doc in conceptTouched {
                let d = Int(doc)
                if masks[d] == 0 { touched.append(doc) }
                masks[d] |= bit
                scores[d] += boost * best[d]
                best[d] = 0
            }
        }
        // Only the best `limit` matching documents are kept (filters apply here, which
        // selects the same hits as ranking everything and filtering afterwards).
        var top: [(score: Double, doc: Int32)] = []
        top.reserveCapacity(limit + 1)
        let nameRank = self.nameRank
        func before(_ a: (score: Double, doc: Int32), _ b: (score: Double, doc: Int32)) -> Bool {
            a.score != b.score ? a.score > b.score : nameRank[Int(a.doc)] < nameRank[Int(b.doc)]
        }
        for doc in touched {
            let d = Int(doc)
            if matchAll && masks[d] & required != required { continue }
            if !matchAll && masks[d] & required == 0 { continue }
            var score = documents[d].deprecated ? scores[d] * tuning.deprecated : scores[d]
            if resources[d].0 >= 0 && !resourceHit[d] { score *= tuning.resourceMismatch }
            if hasIntent[d] {
                for (c, concept) in concepts.enumerated() where concept.mismatch < 1 && masks[d] & (UInt64(1) << UInt64(c)) == 0 {
                    score *= concept.mismatch
                }
            }
            let candidate = (score: score, doc: doc)
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
        return top.map { Hit(document: documents[Int($0.doc)], score: $0.score, matched: explain(doc: $0.doc, mask: masks[Int($0.doc)], concepts: concepts)) }
    }

    /// Which query words matched `doc`, each through its strongest variant.
    private func explain(doc: Int32, mask: UInt64, concepts: [SearchQuery.Concept]) -> [String] {
        var out: [String] = []
        for (c, concept) in concepts.enumerated() where mask & (UInt64(1) << UInt64(c)) != 0 {
            let cap = self.cap(concept)
            var best: (score: Double, term: Int)?
            for variant in concept.variants {
                for t in ranges(variant) {
                    guard let p = posting(t, doc) else { continue }
                    let weight = variant.weight * (terms[t] == variant.term ? 1 : variant.prefixWeight ?? tuning.prefixWeight)
                    let score = weight * (concept.fixedIDF ?? min(idf(t), cap)) * Double(p)
                    if best == nil || score > best!.score { best = (score, t) }
                }
            }
            guard let best else { continue }
            let term = terms[best.term]
            let words = concept.word.split(separator: " ").map(String.init)
            if let own = words.first(where: { PorterStemmer.stem($0) == term }) {
                out.append(own)
            } else if PorterStemmer.stem(words.joined()) == term {
                out.append(concept.word)
            } else {
                out.append("\(concept.word)→\(term.hasPrefix("~") ? APIVocabulary.describe(intent: term) : surfaces[best.term])")
            }
        }
        return out
    }

    /// BM25's inverse document frequency of term `t` (never negative).
    private func idf(_ t: Int) -> Double {
        let n = Double(documents.count), h = Double(postings[t].count)
        return log(1 + (n - h + 0.5) / (h + 0.5))
    }

    /// A synonym or longer word is never rarer, so never worth more, than the word asked for.
    private func cap(_ concept: SearchQuery.Concept) -> Double {
        guard let own = concept.variants.first, concept.fixedIDF == nil else { return .infinity }
        let exact = ranges(SearchQuery.Variant(term: own.term, weight: 1, prefix: false))
        return exact.isEmpty ? .infinity : idf(exact.lowerBound)
    }

    /// The pseudo-frequency of term `t` in `doc`, if it occurs there.
    private func posting(_ t: Int, _ doc: Int32) -> Float? {
        let list = postings[t]
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].doc < doc { lo = mid + 1 } else { hi = mid }
        }
        return lo < list.count && list[lo].doc == doc ? list[lo].weight : nil
    }

    /// Indexes into `terms` a variant reaches: the exact term, or every term it prefixes.
    private func ranges(_ variant: SearchQuery.Variant) -> Range<Int> {
        let p = Array(variant.term.utf8)
        var lo = 0, hi = terms.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if terms[mid].utf8.lexicographicallyPrecedes(p) { lo = mid + 1 } else { hi = mid }
        }
        guard variant.prefix else { return lo < terms.count && terms[lo] == variant.term ? lo..<(lo + 1) : lo..<lo }
        var end = lo
        while end < terms.count, terms[end].utf8.starts(with: p) { end += 1 }
        return lo..<end
    }

    /// Interns terms and computes each posting's BM25F pseudo-frequency:
    /// Σ over fields of weight × count / (1 − b + b × fieldLength / averageFieldLength).
    private struct Builder {
        var vocabulary: [String] = []
        var surfaces: [String] = []
        var postings: [[Posting]] = []
        var resources: [(Int32, Int32)] = []
        var hasIntent: [Bool] = []

        init(documents: [Document], tuning: SearchTuning) {
            let fieldCount = Field.allCases.count
            var ids: [String: Int32] = [:]
            var stems: [String: String] = [:]
            var vocabulary: [String] = [], surfaces: [String] = []
            // Pass 1: every document's (term, field, count) and field lengths.
            var occurrences: [[(term: Int32, field: UInt8, count: Float)]] = []
            occurrences.reserveCapacity(documents.count)
            var lengths = [[Float]](repeating: [Float](repeating: 0, count: fieldCount), count: documents.count)
            var totals = [Double](repeating: 0, count: fieldCount)
            var surfaceOf: [String: String] = [:]
            for (i, document) in documents.enumerated() {
                let fields = CatalogSearchIndex.fields(of: document) { word in
                    if let known = stems[word] { return known }
                    let stem = PorterStemmer.stem(word)
                    stems[word] = stem
                    if surfaceOf[stem] == nil { surfaceOf[stem] = word }
                    return stem
                }
                var list: [(term: Int32, field: UInt8, count: Float)] = []
                for (f, terms) in fields.enumerated() {
                    var counts: [Int32: Float] = [:]
                    for (term, count) in terms {
                        let id: Int32
                        if let known = ids[term] {
                            id = known
                        } else {
                            id = Int32(vocabulary.count)
                            ids[term] = id
                            vocabulary.append(term)
                            surfaces.append(surfaceOf[term] ?? term)
                        }
                        counts[id, default: 0] += Float(count)
                        lengths[i][f] += Float(count)
                    }
                    let cap = Float(tuning.fieldCaps[f])
                    for (id, count) in counts { list.append((id, UInt8(f), min(count, cap))) }
                }
                hasIntent.append(!fields[Field.intent.rawValue].isEmpty)
                let resource = fields[Field.resource.rawValue].map { ids[$0.term] ?? -1 }
                resources.append((resource.first ?? -1, resource.count > 1 ? resource[1] : -1))
                for f in 0..<fieldCount { totals[f] += Double(lengths[i][f]) }
                occurrences.append(list)
            }
            let averages = totals.map { documents.isEmpty ? 1 : max($0 / Double(documents.count), 1e-9) }
            // Pass 2: postings, documents ascending.
            var postings = [[Posting]](repeating: [], count: vocabulary.count)
            var scratch = [Double](repeating: 0, count: vocabulary.count)
            var seen: [Int32] = []
            for (i, list) in occurrences.enumerated() {
                var norms = [Double](repeating: 1, count: fieldCount)
                for f in 0..<fieldCount {
                    let b = tuning.fieldB[f]
                    norms[f] = tuning.fieldWeights[f] / (1 - b + b * Double(lengths[i][f]) / averages[f])
                }
                for (term, field, count) in list {
                    if scratch[Int(term)] == 0 { seen.append(term) }
                    scratch[Int(term)] += Double(count) * norms[Int(field)]
                }
                for term in seen {
                    postings[Int(term)].append(Posting(doc: Int32(i), weight: Float(scratch[Int(term)])))
                    scratch[Int(term)] = 0
                }
                seen.removeAll(keepingCapacity: true)
            }
            self.vocabulary = vocabulary
            self.surfaces = surfaces
            self.postings = postings
        }
    }
}
