/// What a catalog query looks for: one *concept* per meaningful word, each reached through
/// its own stem, longer words starting with that stem, the words of its synonym groups
/// (`APIVocabulary`) and, for verbs, the operation intents the index derives from HTTP
/// methods and paths. Adjacent words also form optional compound concepts (`pull request`
/// → `pullrequest`, `time zone` → `timezone`), which reward entries that name the pair as
/// one identifier without being needed for a match.
package struct SearchQuery: Sendable, Equatable {
    /// One way to match a concept: an index term (exact, or every term it is a prefix of).
    package struct Variant: Sendable, Equatable {
        package var term: String
        package var weight: Double
        package var prefix: Bool
        /// What a longer word counts here, if not `SearchTuning.prefixWeight`.
        package var prefixWeight: Double? = nil
    }

    package struct Concept: Sendable, Equatable {
        /// The query word(s) the concept stands for, as typed (lower-cased).
        package var word: String
        package var variants: [Variant]
        /// Compounds, intents and question words are bonuses; only required concepts count
        /// for `match: "all"`.
        package var required: Bool
        /// How much the concept's score counts (the head noun of the request counts more).
        package var boost: Double = 1
        /// When the index has this term, the concept counts `weakened` times as much: "stop"
        /// in "stop watching" matters little once `unwatch` exists.
        package var weakenedBy: String? = nil
        package var weakened: Double = 1
        /// An entry whose method says what it does, and does not do this, counts this much
        /// (the request's verb: a GET does not "delete").
        package var mismatch: Double = 1
        /// Intents are not words: how many entries have one says nothing about how much it
        /// matters, so they count a fixed amount instead of their rarity.
        package var fixedIDF: Double? = nil
    }

    /// Most query words considered (a pasted paragraph stays cheap).
    package static let maxWords = 16
    /// Most concepts of one query (the width of a document's match mask).
    package static let maxConcepts = 64

    package var concepts: [Concept]
    /// The noun the request is about: the last noun before the first preposition.
    package var head: String?

    package init(_ text: String, tuning: SearchTuning = .default) {
        // Single letters are possessives and initials ("user's" → user, s), not words —
        // unless the vocabulary knows them ("repos I starred").
        let all = Array(SearchAnalyzer.runs(text).flatMap { $0 }
            .filter { $0.count > 1 || $0 == "a" || $0.unicodeScalars.allSatisfy { $0.properties.numericType != nil } || Self.expansions[$0] != nil }
            .prefix(Self.maxWords * 2))
        let ignored = { (w: String) in APIVocabulary.stopwords.contains(w) || APIVocabulary.questions.contains(w) }
        // "show me …", "give me …": the one asked is not what is asked about.
        let addressee = Set(all.indices.filter { i in i > 0 && ["me", "us"].contains(all[i]) && APIVocabulary.isVerb(all[i - 1]) })
        var content = all.indices.filter { !ignored(all[$0]) && !addressee.contains($0) }.map { all[$0] }
        if content.isEmpty { content = all }
        content = Array(content.prefix(Self.maxWords))
        let (verbs, head, modifiers) = Self.parse(all, ignored: ignored)
        self.head = head
        // Only the request's verb says what kind of operation it wants ("commit" in "stage
        // files for commit" is a noun); without a leading verb, the first one of the first
        // phrase does ("deploy key creation").
        var verbSlot = Set(verbs)
        if verbSlot.isEmpty, let first = all.prefix(while: { !APIVocabulary.prepositions.contains($0) }).first(where: { Self.intents[PorterStemmer.stem($0)] != nil }) {
            verbSlot.insert(first)
        }
        // A question ("who starred this repository") has no imperative verb: it reads.
        let question = all.first.flatMap { APIVocabulary.questions.contains($0) ? $0 : nil }
        // A plural head asks for a collection ("get DAGs" lists), a singular one for an item.
        let plural = head.map { $0.hasSuffix("s") && PorterStemmer.stem($0) != $0 } ?? false
        // "stop watching" asks for the opposite of watching: unwatch.
        var negation: [String: String] = [:]  // gerund → the negating word
        for (i, w) in all.enumerated() where APIVocabulary.negations.contains(w) && i + 1 < all.count && all[i + 1].hasSuffix("ing") {
            negation[all[i + 1]] = w
        }

        var concepts: [Concept] = []
        var verb: (term: String, words: Int, intents: Int)?  // the request's verb: its class and concepts
        var verbWords = Set<String>()
        var seenStems = Set<String>()
        for word in content {
            let stem = PorterStemmer.stem(word)
            guard seenStems.insert(stem).inserted else { continue }
            // CRUD verbs don't form longer words worth finding (`add` is not `address`).
            var variants = [Variant(term: stem, weight: 1, prefix: stem.count >= 3 && !APIVocabulary.isIntentVerb(word))]
            for (term, weight) in Self.expansions[stem] ?? [] where term != stem {
                variants.append(Variant(term: term, weight: weight, prefix: false))
            }
            var intents = (Self.intents[stem] ?? []).map { Variant(term: $0.term, weight: $0.weight, prefix: false) }
            // "all", "every": a whole collection, whatever the verb.
            let whole = intents.filter { $0.term == APIVocabulary.collection }
            intents.removeAll { $0.term == APIVocabulary.collection }
            if plural, let r = intents.firstIndex(where: { $0.term == APIVocabulary.read && $0.weight >= 1 }),
               let l = intents.firstIndex(where: { $0.term == APIVocabulary.list }) {
                intents[r].weight = 0.3
                intents[l].weight = 1
            }
            if question != nil || !verbSlot.contains(word) { intents.removeAll() }
            // "who starred", "who follows": the people who do it are named after the verb
            // (stargazers, followers), so longer words from its stem count in full.
            if ["who", "whom"].contains(question ?? ""), APIVocabulary.isVerb(word), variants[0].term.count >= 3 {
                variants[0].prefix = true
                variants[0].prefixWeight = 1
            }
            if APIVocabulary.transfers.contains(word), let direction = all.first(where: { APIVocabulary.outward.contains($0) || APIVocabulary.inward.contains($0) }) {
                intents = APIVocabulary.outward.contains(direction)
                    ? [Variant(term: APIVocabulary.read, weight: 1, prefix: false)]
                    : [Variant(term: APIVocabulary.write, weight: 1, prefix: false), Variant(term: APIVocabulary.update, weight: 0.5, prefix: false)]
            }
            let boost = word == head ? tuning.headBoost
                : APIVocabulary.lightNouns.contains(word) && content.count > 1 ? tuning.lightBoost
                : modifiers.contains(word) ? tuning.modifierBoost : 1
            if negation[word] != nil {
                variants.append(Variant(term: PorterStemmer.stem("un" + word), weight: 1, prefix: false))
                concepts.append(Concept(word: word, variants: Self.merge([], variants), required: true, boost: boost))
                concepts.append(Concept(word: word, variants: [Variant(term: APIVocabulary.delete, weight: 1, prefix: false),
                                                               Variant(term: APIVocabulary.write, weight: 0.5, prefix: false)],
                                        required: false, fixedIDF: tuning.intentWeight))
                continue
            }
            // Only the request's verb says what kind of operation it wants; later verbs are
            // modifiers ("list *running* containers") or nouns ("watch pods for *changes*").
            let kind = intents.filter { $0.term != APIVocabulary.write }.max { $0.weight < $1.weight }.flatMap { $0.weight >= 1 ? $0.term : nil }
                ?? (intents.isEmpty ? nil : APIVocabulary.write)
            if let kind, let v = verb {
                if kind == v.term && kind != APIVocabulary.write {
                    // "create a new …": words asking for the same operation are one concept.
                    concepts[v.words].word += " " + word
                    concepts[v.words].variants = Self.merge(concepts[v.words].variants, variants)
                    concepts[v.intents].variants = Self.merge(concepts[v.intents].variants, intents)
                    continue
                }
                intents = []
            }
            if !whole.isEmpty { concepts.append(Concept(word: word, variants: whole, required: false, fixedIDF: tuning.intentWeight)) }
            var concept = Concept(word: word, variants: Self.merge([], variants), required: true, boost: boost)
            if let negated = negation.first(where: { $0.value == word })?.key {
                concept.weakenedBy = PorterStemmer.stem("un" + negated)
                concept.weakened = 0.3
            }
            concepts.append(concept)
            guard let kind, !intents.isEmpty else { continue }
            verb = (kind, concepts.count - 1, concepts.count)
            verbWords.insert(word)
            concepts.append(Concept(word: word, variants: intents, required: false, boost: 1,
                                    mismatch: kind == APIVocabulary.write ? 1 : tuning.intentMismatch, fixedIDF: tuning.intentWeight))
        }
        if let question {
            // "who …" asks for people, so for a list; other questions for a value.
            let asks = ["who", "whom", "whose"].contains(question) ? [(APIVocabulary.list, 1.0), (APIVocabulary.read, 0.5)] : [(APIVocabulary.read, 0.5)]
            concepts.append(Concept(word: question, variants: asks.map { Variant(term: $0.0, weight: $0.1, prefix: false) }, required: false,
                                    fixedIDF: tuning.intentWeight))
        }
        concepts += Self.compounds(all, ignored: ignored, verbs: verbWords, seen: &seenStems, tuning: tuning)
        // The index tracks at most 64 concepts per entry; words come first, compounds last.
        self.concepts = Array(concepts.prefix(Self.maxConcepts))
    }

    /// Adjacent nouns as one identifier ("pull request" → pullrequest, also spelled with
    /// abbreviations: "team repositories" → teamrepos), and phrasal verbs with their particle
    /// ("log out" → logout, "roll back" → rollback).
    private static func compounds(_ all: [String], ignored: (String) -> Bool, verbs: Set<String>, seen: inout Set<String>,
                                  tuning: SearchTuning) -> [Concept] {
        var out: [Concept] = []
        for n in [2, 3] where all.count >= n {
            for i in 0...(all.count - n) {
                let slice = Array(all[i..<(i + n)])
                let phrasal = n == 2 && APIVocabulary.particles.contains(slice[1]) && !ignored(slice[0])
                guard phrasal || !slice.contains(where: { ignored($0) || verbs.contains($0) }),
                      slice.allSatisfy({ $0.count >= 2 && $0.unicodeScalars.allSatisfy { !($0.value >= 0x30 && $0.value <= 0x39) } }) else { continue }
                let term = PorterStemmer.stem(slice.joined())
                guard seen.insert(term).inserted else { continue }
                var spelled: [(String, Double)] = [("", 1)]
                for (k, w) in slice.enumerated() {
                    let plural = k == slice.count - 1 && w.hasSuffix("s") && PorterStemmer.stem(w) != w
                    let others = (spellings[PorterStemmer.stem(w)] ?? []).map { ($0.0 + (plural ? "s" : ""), $0.1) }
                    spelled = spelled.flatMap { p in ([(w, 1.0)] + others).map { (p.0 + $0.0, p.1 * $0.1) } }
                }
                let variants = spelled.map { Variant(term: PorterStemmer.stem($0.0), weight: $0.1, prefix: false) }
                out.append(Concept(word: slice.joined(separator: " "), variants: merge([], variants), required: false,
                                   boost: phrasal ? 1 : tuning.compoundBoost))
            }
        }
        return out
    }

    /// A shallow parse of a request: its leading verbs ("create a new …"), the head noun
    /// (the last noun of the first noun phrase: "nodes" in "list swarm nodes") and the nouns
    /// before it. Phrases end at prepositions, and once they have a noun, at a determiner,
    /// pronoun or participle that starts a clause ("the organizations *a* user belongs to",
    /// "repositories *owned* by"). A noun that only names an aspect ("details of X",
    /// "X's details") gives way to X.
    static func parse(_ all: [String], ignored: @escaping (String) -> Bool) -> (verbs: [String], head: String?, modifiers: Set<String>) {
        var verbs: [String] = []
        var i = 0
        var determined = false
        while i < all.count {
            let w = all[i]
            // After "a"/"the" a noun phrase starts ("show a *commit*"), unless the word repeats
            // the verb's kind ("create a *new* …").
            // A request starts with its verb: an unknown first word followed by a determiner,
            // pronoun or quantifier is one too ("unstage everything", "star the repo").
            let next = i + 1 < all.count ? all[i + 1] : ""
            let leading = verbs.isEmpty && !determined && !ignored(w) && (APIVocabulary.determiners.contains(next)
                || APIVocabulary.pronouns.contains(next) || APIVocabulary.quantifiers.contains(next))
            // A second verb joins only as a participle ("list *running* containers") or with
            // the same kind; otherwise it starts the noun phrase ("list *pull* requests").
            let sameKind = verbs.first.map { Self.kind(of: $0) == Self.kind(of: w) && Self.kind(of: w) != nil } ?? false
            let participle = w.hasSuffix("ing") || w.hasSuffix("ed")
            if (APIVocabulary.isVerb(w) || leading) && (verbs.isEmpty ? !determined : sameKind || (participle && !determined)) {
                verbs.append(w)
            } else if !(ignored(w) || APIVocabulary.pronouns.contains(w)) {
                break
            }
            determined = determined || APIVocabulary.determiners.contains(w)
            i += 1
        }
        let isNoun = { (w: String) in
            !ignored(w) && !APIVocabulary.pronouns.contains(w) && !APIVocabulary.particles.contains(w) && !APIVocabulary.quantifiers.contains(w)
        }
        var phrases: [[String]] = [[]]
        for w in all[i...] {
            let current = phrases[phrases.count - 1]
            if current.contains(where: isNoun) {
                let clause = APIVocabulary.determiners.contains(w) || APIVocabulary.pronouns.contains(w)
                    || (!ignored(w) && (APIVocabulary.isVerb(w) || w.hasSuffix("ed")))
                if APIVocabulary.prepositions.contains(w) || clause { phrases.append([]) }
            }
            phrases[phrases.count - 1].append(w)
        }
        let nouns = phrases.map { $0.filter(isNoun) }
        guard let first = nouns[0].last else { return (verbs, nouns.dropFirst().first { !$0.isEmpty }?.last, []) }
        guard APIVocabulary.lightNouns.contains(first) else { return (verbs, first, Set(nouns[0].dropLast())) }
        if let next = nouns.dropFirst().first(where: { !$0.isEmpty }) { return (verbs, next.last, Set(next.dropLast())) }
        return (verbs, nouns[0].dropLast().last ?? first, Set(nouns[0].dropLast(2)))
    }

    /// The CRUD intent a verb asks for most (`new` → create), if any.
    static func kind(of word: String) -> String? {
        (intents[PorterStemmer.stem(word)] ?? []).filter { $0.term != APIVocabulary.write && $0.weight >= 1 }.first?.term
    }

    /// Variants of both lists, each term once with its highest weight; a term reached exactly
    /// keeps its prefix expansion if either list asked for it.
    private static func merge(_ a: [Variant], _ b: [Variant]) -> [Variant] {
        var out = a
        for v in b {
            if let k = out.firstIndex(where: { $0.term == v.term }) {
                out[k].weight = max(out[k].weight, v.weight)
                out[k].prefix = out[k].prefix || v.prefix
            } else {
                out.append(v)
            }
        }
        return out
    }

    /// Stem → the stems of its synonyms, with the strongest weight of any group they share.
    static let expansions: [String: [(term: String, weight: Double)]] = {
        var table: [String: [String: Double]] = [:]
        for group in APIVocabulary.groups where group.weight > 0 {
            let stems = group.words.map(stemmedCompound)
            for a in stems {
                for b in stems where b != a { table[a, default: [:]][b] = max(table[a]?[b] ?? 0, group.weight) }
            }
        }
        return table.mapValues { $0.map { (term: $0.key, weight: $0.value) }.sorted { $0.term < $1.term } }
    }()

    /// Stem → the other spellings of the same word (`repositori` → repo), as written.
    static let spellings: [String: [(String, Double)]] = {
        var table: [String: [(String, Double)]] = [:]
        for group in APIVocabulary.groups where group.weight >= 0.9 {
            for a in group.words {
                for b in group.words where b != a { table[PorterStemmer.stem(a), default: []].append((b, group.weight)) }
            }
        }
        return table
    }()

    /// Stem → the operation intents a word of that stem asks for.
    static let intents: [String: [(term: String, weight: Double)]] = {
        var table: [String: [String: Double]] = [:]
        for group in APIVocabulary.groups where !group.intents.isEmpty {
            for word in group.words {
                for (term, weight) in group.intents { table[stemmedCompound(word), default: [:]][term] = max(table[stemmedCompound(word)]?[term] ?? 0, weight) }
            }
        }
        return table.mapValues { $0.map { (term: $0.key, weight: $0.value) }.sorted { $0.term < $1.term } }
    }()

    /// A vocabulary word as the index stores it (`pullrequest` stays one term).
    private static func stemmedCompound(_ word: String) -> String {
        PorterStemmer.stem(word.lowercased())
    }
}
