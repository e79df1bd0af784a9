import Foundation
import JunctionCore
import Yams

/// Converts YAML text into a `JSONValue` with a bound on the work it may do.
///
/// Yams composes aliases as shared nodes, so composing is linear in the input; it is the
/// conversion into a tree that would expand a "billion laughs" document exponentially.
/// Counting every node produced (aliases included) and stopping at `maxNodes` turns such a
/// document into a clear error instead of exhausted memory. Scalars are resolved here,
/// by hand, because Yams' regex-based resolver dominates the time on large specs.
package struct YAMLLoader: Sendable {
    /// The largest number of JSON nodes the conversion may produce.
    package var maxNodes: Int
    /// The deepest nesting accepted (the conversion is recursive).
    package var maxDepth = 256

    package init(maxNodes: Int) { self.maxNodes = maxNodes }

    /// A node budget proportional to the input: real specs produce far fewer nodes than
    /// bytes, an alias bomb produces orders of magnitude more. Never more than the
    /// catalog's own node limit, which bounds the memory a document may take.
    package init(forInputBytes bytes: Int, limits: IndexLimits = .standard) {
        self.maxNodes = min(1_000_000 + bytes, limits.maxNodes)
    }

    /// Parses one YAML document.
    package func load(_ text: String) throws -> JSONValue {
        try Self.checkNesting(text, maxDepth: maxDepth)
        let node: Node?
        do {
            node = try Yams.compose(yaml: text, .basic)
        } catch {
            throw JunctionError("invalid_spec", "the spec is neither valid JSON nor valid YAML: \(String("\(error)".prefix(200)))", status: 422)
        }
        guard let node else { return .null }
        var budget = maxNodes
        return try convert(node, budget: &budget, depth: 0)
    }

    private func convert(_ node: Node, budget: inout Int, depth: Int) throws -> JSONValue {
        budget -= 1
        if budget < 0 {
            throw JunctionError("invalid_spec", "the YAML expands to more than \(maxNodes) nodes (alias expansion, \"billion laughs\"; "
                                + "at most JUNCTION_INDEX_MAX_NODES, and about one node per byte of YAML); refusing it", status: 422)
        }
        if depth > maxDepth {
            throw JunctionError("invalid_spec", "the YAML nests deeper than \(maxDepth) levels", status: 422)
        }
        switch node {
        case .scalar(let s):
            return Self.scalar(s)
        case .sequence(let seq):
            var out: [JSONValue] = []
            out.reserveCapacity(seq.count)
            for item in seq { out.append(try convert(item, budget: &budget, depth: depth + 1)) }
            return .array(out)
        case .mapping(let map):
            var out: [String: JSONValue] = [:]
            out.reserveCapacity(map.count)
            var merges: [JSONValue] = []
            for (key, value) in map {
                let name = try key.scalar?.string ?? convert(key, budget: &budget, depth: depth + 1).jsonString()
                if name == "<<", key.scalar?.style == .plain {
                    merges.append(try convert(value, budget: &budget, depth: depth + 1))
                    continue
                }
                out[name] = try convert(value, budget: &budget, depth: depth + 1)
            }
            // Merge keys (`<<: *base`) fill in what the mapping does not set itself.
            for merge in merges {
                for source in merge.arrayValue ?? [merge] {
                    for (k, v) in source.objectValue ?? [:] where out[k] == nil { out[k] = v }
                }
            }
            return .object(out)
        }
    }

    /// YAML 1.2 core schema resolution of a scalar; only plain scalars can be non-strings.
    static func scalar(_ s: Node.Scalar) -> JSONValue {
        let text = s.string
        guard s.style == .plain || s.style == .any else { return .string(text) }
        switch s.tag.description {
        case "", "!": break
        case Tag.Name.str.rawValue: return .string(text)
        case Tag.Name.int.rawValue, Tag.Name.float.rawValue: return Double(text).map { .number($0) } ?? .string(text)
        case Tag.Name.bool.rawValue: return .bool(["true", "True", "TRUE"].contains(text))
        case Tag.Name.null.rawValue: return .null
        default: return .string(text)
        }
        guard let first = text.utf8.first else { return .null }
        switch text {
        case "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf": return .number(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .number(-.infinity)
        default: break
        }
        // Only text that starts like a number is worth trying to read as one.
        guard (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) || first == UInt8(ascii: "-")
                || first == UInt8(ascii: "+") || first == UInt8(ascii: ".") else { return .string(text) }
        if text.hasPrefix("0x"), let v = Int(text.dropFirst(2), radix: 16) { return .number(Double(v)) }
        if text.hasPrefix("0o"), let v = Int(text.dropFirst(2), radix: 8) { return .number(Double(v)) }
        if text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2B || $0 == 0x2E || $0 == 0x65 || $0 == 0x45 }),
           let d = Double(text), d.isFinite {
            // A version such as "1.10" stays as written if reading it as a number would change it.
            return .number(d)
        }
        return .string(text)
    }

    /// Yams' composer recurses once per nesting level, so a document of a few megabytes of
    /// `[` or `- - - …` would exhaust the stack before the node budget applies. Real specs
    /// nest a few dozen levels; this scan bounds the nesting any line can reach (its
    /// indentation, its leading `- `/`? ` markers, and open flow brackets) before parsing.
    /// It over-counts brackets inside quoted strings, which only matters past `maxScan`.
    static func checkNesting(_ text: String, maxDepth: Int, maxScan: Int = 1000) throws {
        var flow = 0
        var atLineStart = true
        var lineDepth = 0
        var comment = false
        var previous: UInt8 = 0x0A
        for byte in text.utf8 {
            defer { previous = byte }
            if byte == 0x0A { atLineStart = true; lineDepth = 0; comment = false; continue }
            if comment { continue }
            if atLineStart {
                if byte == 0x20 || byte == 0x2D || byte == 0x3F || byte == 0x09 {
                    lineDepth += 1  // indentation and block markers
                } else {
                    atLineStart = false
                }
            }
            switch byte {
            case UInt8(ascii: "["), UInt8(ascii: "{"): flow += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"): flow = max(0, flow - 1)
            case UInt8(ascii: "#") where previous == 0x20 || previous == 0x0A || previous == 0x09: comment = true
            default: break
            }
            if flow + lineDepth > maxScan {
                throw JunctionError("invalid_spec", "the YAML nests deeper than \(maxDepth) levels", status: 422)
            }
        }
    }
}
