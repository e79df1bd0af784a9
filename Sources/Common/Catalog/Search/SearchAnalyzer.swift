import Foundation

/// Splits catalog text and queries into the terms the search index compares.
///
/// A *run* is a maximal stretch of letters, digits, `_` and `-`; it is split into *parts*
/// at `_`/`-`, at lower→upper case changes (`listPods` → list, pods), before the last
/// capital of an acronym (`HTTPServer` → http, server) and between letters and digits
/// (`V1` → v, 1). Parts are lower-cased, diacritics folded and stemmed (`PorterStemmer`).
/// Identifiers also yield their compounds (`ConfigMap` → config, map, configmap), so
/// `config map`, `configmap` and `configmaps` in a path all meet.
package enum SearchAnalyzer {
    /// The lower-cased parts of each run of `text`, in order.
    package static func runs(_ text: String) -> [[String]] {
        var runs: [[String]] = []
        var parts: [String] = []
        var part = String.UnicodeScalarView()
        var plain = true
        enum Kind { case lower, upper, digit, none }
        var previous = Kind.none
        func flushPart() {
            guard !part.isEmpty else { return }
            let s = String(part)
            parts.append(plain ? s : s.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil))
            part.removeAll(keepingCapacity: true)
            plain = true
        }
        func flushRun() {
            flushPart()
            if !parts.isEmpty { runs.append(parts); parts.removeAll(keepingCapacity: true) }
            previous = .none
        }
        let scalars = Array(text.unicodeScalars)
        for (i, scalar) in scalars.enumerated() {
            let v = scalar.value
            if v >= 0x61 && v <= 0x7A {
                if previous == .digit { flushPart() }
                // `URLs` is a plural, not U-R-Ls.
                let plural = v == 0x73 && (i + 1 == scalars.count || !(scalars[i + 1].value >= 0x61 && scalars[i + 1].value <= 0x7A))
                if previous == .upper && part.count >= 2 && !plural {
                    // `HTTPServer`: the capital before this lower-case letter starts the next part.
                    let last = part.removeLast()
                    flushPart()
                    part.append(last)
                }
                part.append(scalar)
                previous = .lower
            } else if v >= 0x41 && v <= 0x5A {
                if previous == .lower || previous == .digit { flushPart() }
                part.append(Unicode.Scalar(v + 0x20)!)
                previous = .upper
            } else if v >= 0x30 && v <= 0x39 {
                if previous == .lower || previous == .upper { flushPart() }
                part.append(scalar)
                previous = .digit
            } else if v == 0x5F || v == 0x2D {  // _ -
                flushPart()
                previous = .none
            } else if !scalar.isASCII && isLetterOrDigit(scalar) {
                if previous == .digit { flushPart() }
                part.append(scalar)
                plain = false
                previous = .lower
            } else {
                flushRun()
            }
        }
        flushRun()
        return runs
    }

    /// The terms of `text` as the index stores them: every stemmed part, then each run's
    /// compounds (adjacent alphabetic parts joined, and the whole run of three or four).
    /// With `phrases`, adjacent words of prose pair up too ("access token" → accesstoken), so
    /// a title's words meet a query's compound the way an identifier's parts do.
    package static func terms(_ text: String, phrases: Bool = false, stem: (String) -> String = PorterStemmer.stem) -> [String] {
        var out: [String] = []
        var previous: String?
        for parts in runs(text) {
            // Single letters ("repo's", "V1") carry nothing a query could ask for.
            for p in parts where p.count > 1 || p.unicodeScalars.first!.value < 0x41 { out.append(stem(p)) }
            out.append(contentsOf: compounds(parts).map(stem))
            guard phrases, parts.count == 1, !APIVocabulary.stopwords.contains(parts[0]) else { continue }
            let word = parts[0]
            let alphabetic = word.count >= 2 && word.unicodeScalars.allSatisfy { !($0.value >= 0x30 && $0.value <= 0x39) }
            if alphabetic, let p = previous { out.append(stem(p + word)) }
            previous = alphabetic ? word : nil
        }
        return out
    }

    /// Adjacent alphabetic parts joined (`dag`,`runs` → `dagruns`), and the whole run when it
    /// has three or four alphabetic parts (`persistentvolumeclaim`).
    package static func compounds(_ parts: [String]) -> [String] {
        guard parts.count >= 2 else { return [] }
        var out: [String] = []
        let alphabetic = parts.map { $0.count >= 2 && $0.unicodeScalars.allSatisfy { !($0.value >= 0x30 && $0.value <= 0x39) } }
        for i in 0..<(parts.count - 1) where alphabetic[i] && alphabetic[i + 1] { out.append(parts[i] + parts[i + 1]) }
        if parts.count >= 3 && parts.count <= 4 && alphabetic.allSatisfy({ $0 }) { out.append(parts.joined()) }
        return out
    }

    private static func isLetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber, .privateUse:
            return true
        default:
            return false
        }
    }
}
