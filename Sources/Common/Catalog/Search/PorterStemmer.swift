/// The Porter stemming algorithm (M.F. Porter, 1980, with the published `bli`/`logi`
/// revisions and two rules of its successor Porter2: `-us` keeps its `s`, and `y` becomes
/// `i` only after a consonant), so that word forms meet: `files`/`file`, `created`/`creating`/`create`,
/// `deployments`/`deployment`/`deploy`, `directories`/`directory`.
///
/// Only lower-case ASCII words of three or more letters are stemmed; anything else (digits,
/// non-Latin scripts, short words) is returned unchanged, so the stemmer never merges
/// identifiers it does not understand.
package enum PorterStemmer {
    package static func stem(_ word: String) -> String {
        let utf8 = word.utf8
        guard utf8.count >= 3, utf8.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) else { return word }
        var w = Word(Array(utf8))
        w.step1ab()
        if w.end > 1 {
            w.step1c()
            w.step2()
            w.step3()
            w.step4()
            w.step5()
        }
        return String(decoding: w.b[0..<w.end], as: UTF8.self)
    }

    /// The word being stemmed: `b[0..<end]`; `j` marks the end of the stem when a suffix matched.
    private struct Word {
        var b: [UInt8]
        var end: Int
        var j = 0

        init(_ bytes: [UInt8]) {
            b = bytes
            end = bytes.count
        }

        private func isConsonant(_ i: Int) -> Bool {
            switch b[i] {
            case 0x61, 0x65, 0x69, 0x6F, 0x75: return false  // a e i o u
            case 0x79: return i == 0 ? true : !isConsonant(i - 1)  // y
            default: return true
            }
        }

        /// The number of vowel-consonant sequences in `b[0..<=j]` (Porter's m).
        private func measure() -> Int {
            var n = 0, i = 0
            while true {
                if i > j { return n }
                if !isConsonant(i) { break }
                i += 1
            }
            i += 1
            while true {
                while true {
                    if i > j { return n }
                    if isConsonant(i) { break }
                    i += 1
                }
                i += 1
                n += 1
                while true {
                    if i > j { return n }
                    if !isConsonant(i) { break }
                    i += 1
                }
                i += 1
            }
        }

        private func vowelInStem() -> Bool {
            guard j >= 0 else { return false }
            for i in 0...j where !isConsonant(i) { return true }
            return false
        }

        private func doubleConsonant(_ i: Int) -> Bool {
            i >= 1 && b[i] == b[i - 1] && isConsonant(i)
        }

        /// consonant-vowel-consonant ending at `i`, the last not w, x or y.
        private func cvc(_ i: Int) -> Bool {
            guard i >= 2, isConsonant(i), !isConsonant(i - 1), isConsonant(i - 2) else { return false }
            return b[i] != 0x77 && b[i] != 0x78 && b[i] != 0x79
        }

        private mutating func ends(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard n <= end else { return false }
            let p = s.utf8Start
            for k in 0..<n where b[end - n + k] != p[k] { return false }
            j = end - n - 1
            return true
        }

        /// Replaces `b[j+1..<end]` with `s`.
        private mutating func setTo(_ s: StaticString) {
            let n = s.utf8CodeUnitCount
            let p = s.utf8Start
            b.replaceSubrange((j + 1)..<end, with: UnsafeBufferPointer(start: p, count: n))
            end = j + 1 + n
            b.removeSubrange(end..<b.count)
        }

        private mutating func replace(_ s: StaticString) {
            if measure() > 0 { setTo(s) }
        }

        mutating func step1ab() {
            if b[end - 1] == 0x73 {  // s
                // Porter2: "-us" stays (status, campus), like "-ss".
                if ends("sses") { end -= 2 } else if ends("ies") { setTo("i") } else if end >= 2 && b[end - 2] != 0x73 && b[end - 2] != 0x75 { end -= 1 }
            }
            if ends("eed") {
                if measure() > 0 { end -= 1 }
            } else if (ends("ed") || ends("ing")) && vowelInStem() {
                end = j + 1
                if ends("at") { setTo("ate") } else if ends("bl") { setTo("ble") } else if ends("iz") { setTo("ize") } else if doubleConsonant(end - 1) {
                    end -= 1
                    let c = b[end - 1]
                    if c == 0x6C || c == 0x73 || c == 0x7A { end += 1 }  // l s z stay double
                } else if measure() == 1 && cvc(end - 1) {
                    setTo("e")
                }
            }
            b.removeSubrange(end..<b.count)
        }

        /// Porter2's rule: y → i only after a consonant that is not the first letter
        /// (policy → polici, but deploy and key keep their y).
        mutating func step1c() {
            if end > 2 && b[end - 1] == 0x79 && isConsonant(end - 2) { b[end - 1] = 0x69 }
        }

        mutating func step2() {
            switch b[end - 2] {
            case 0x61: if ends("ational") { replace("ate") } else if ends("tional") { replace("tion") }
            case 0x63: if ends("enci") { replace("ence") } else if ends("anci") { replace("ance") }
            case 0x65: if ends("izer") { replace("ize") }
            case 0x6C:
                if ends("bli") { replace("ble") } else if ends("alli") { replace("al") } else if ends("entli") { replace("ent") }
                else if ends("eli") { replace("e") } else if ends("ousli") { replace("ous") }
            case 0x6F: if ends("ization") { replace("ize") } else if ends("ation") { replace("ate") } else if ends("ator") { replace("ate") }
            case 0x73:
                if ends("alism") { replace("al") } else if ends("iveness") { replace("ive") } else if ends("fulness") { replace("ful") }
                else if ends("ousness") { replace("ous") }
            case 0x74: if ends("aliti") { replace("al") } else if ends("iviti") { replace("ive") } else if ends("biliti") { replace("ble") }
            case 0x67: if ends("logi") { replace("log") }
            default: break
            }
        }

        mutating func step3() {
            switch b[end - 1] {
            case 0x65: if ends("icate") { replace("ic") } else if ends("ative") { replace("") } else if ends("alize") { replace("al") }
            case 0x69: if ends("iciti") { replace("ic") }
            case 0x6C: if ends("ical") { replace("ic") } else if ends("ful") { replace("") }
            case 0x73: if ends("ness") { replace("") }
            default: break
            }
        }

        mutating func step4() {
            var matched = false
            switch b[end - 2] {
            case 0x61: matched = ends("al")
            case 0x63: matched = ends("ance") || ends("ence")
            case 0x65: matched = ends("er")
            case 0x69: matched = ends("ic")
            case 0x6C: matched = ends("able") || ends("ible")
            case 0x6E: matched = ends("ant") || ends("ement") || ends("ment") || ends("ent")
            case 0x6F:
                if ends("ion") { matched = j >= 0 && (b[j] == 0x73 || b[j] == 0x74) } else { matched = ends("ou") }
            case 0x73: matched = ends("ism")
            case 0x74: matched = ends("ate") || ends("iti")
            case 0x75: matched = ends("ous")
            case 0x76: matched = ends("ive")
            case 0x7A: matched = ends("ize")
            default: break
            }
            if matched && measure() > 1 { end = j + 1 }
        }

        mutating func step5() {
            j = end - 1
            if b[end - 1] == 0x65 {  // e
                j = end - 2
                let m = measure()
                if m > 1 || (m == 1 && !cvc(end - 2)) { end -= 1 }
            }
            j = end - 1
            if b[end - 1] == 0x6C && doubleConsonant(end - 1) && measure() > 1 { end -= 1 }
        }
    }
}
