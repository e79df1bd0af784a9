import Foundation
import JunctionCore
import Upstream

/// OpenAPI parameter serialisation (`style`/`explode`, and Swagger's collection formats
/// already mapped onto them at index time). Every name and value is percent-encoded, so
/// a value can never add a query parameter, a path segment or a header line.
package enum ParameterSerializer {
    /// `name=value` pairs, already encoded, for one query parameter.
    package static func query(name: String, value: JSONValue, detail: JSONValue?) -> [String] {
        if value.isNull { return [] }
        let key = QueryEncoding.component(name)
        let allowReserved = detail?["allowReserved"]?.boolValue == true
        let enc: (String) -> String = { allowReserved ? reserved($0) : QueryEncoding.component($0) }
        if detail?["contentType"] != nil { return ["\(key)=\(enc(value.jsonString()))"] }
        let style = detail?["style"]?.stringValue ?? "form"
        let explode = detail?["explode"]?.boolValue ?? (style == "form")
        switch value {
        case .array(let items):
            let texts = items.filter { !$0.isNull }.map { enc(text($0)) }
            if explode && style != "deepObject" { return texts.map { "\(key)=\($0)" } }
            let separator = ["spaceDelimited": "%20", "pipeDelimited": "%7C", "tabDelimited": "%09"][style] ?? ","
            return ["\(key)=\(texts.joined(separator: separator))"]
        case .object(let o):
            let keys = o.keys.sorted().filter { !(o[$0]!.isNull) }
            switch style {
            case "deepObject":
                return keys.flatMap { deep(prefix: "\(name)[\($0)]", value: o[$0]!, enc: enc) }
            case _ where explode:
                return keys.map { "\(QueryEncoding.component($0))=\(enc(text(o[$0]!)))" }
            default:
                let separator = ["spaceDelimited": "%20", "pipeDelimited": "%7C"][style] ?? ","
                return ["\(key)=" + keys.map { "\(enc($0))\(separator)\(enc(text(o[$0]!)))" }.joined(separator: separator)]
            }
        default:
            return ["\(key)=\(enc(text(value)))"]
        }
    }

    /// deepObject, recursively: `filter[user][name]=x`, arrays as repeated keys.
    private static func deep(prefix: String, value: JSONValue, enc: (String) -> String) -> [String] {
        switch value {
        case .object(let o):
            return o.keys.sorted().flatMap { deep(prefix: "\(prefix)[\($0)]", value: o[$0]!, enc: enc) }
        case .array(let a):
            return a.map { "\(QueryEncoding.component(prefix))=\(enc(text($0)))" }
        case .null:
            return []
        default:
            return ["\(QueryEncoding.component(prefix))=\(enc(text(value)))"]
        }
    }

    /// One path parameter, encoded so it stays a single segment (`simple`, `label`, `matrix`).
    package static func path(name: String, value: JSONValue, detail: JSONValue?) -> String {
        let style = detail?["style"]?.stringValue ?? "simple"
        let explode = detail?["explode"]?.boolValue ?? false
        let items: [(String?, String)]
        switch value {
        case .array(let a): items = a.map { (nil, segment(text($0))) }
        case .object(let o): items = o.keys.sorted().map { (segment($0), segment(text(o[$0]!))) }
        default: items = [(nil, segment(text(value)))]
        }
        let isScalar = value.arrayValue == nil && value.objectValue == nil
        func joined(_ pairSep: String, _ itemSep: String) -> String {
            items.map { k, v in k.map { "\($0)\(pairSep)\(v)" } ?? v }.joined(separator: itemSep)
        }
        switch style {
        case "label":
            return "." + (explode ? joined("=", ".") : joined(",", ","))
        case "matrix":
            let n = segment(name)
            if isScalar { return ";\(n)=\(items[0].1)" }
            if explode {
                return items.map { k, v in ";" + (k.map { "\($0)=\(v)" } ?? "\(n)=\(v)") }.joined()
            }
            return ";\(n)=" + joined(",", ",")
        default:
            return explode ? joined("=", ",") : joined(",", ",")
        }
    }

    /// A header or cookie value (`simple` style).
    package static func simple(_ value: JSONValue, explode: Bool) -> String {
        switch value {
        case .array(let a): return a.map(text).joined(separator: ",")
        case .object(let o): return o.keys.sorted().map { explode ? "\($0)=\(text(o[$0]!))" : "\($0),\(text(o[$0]!))" }.joined(separator: ",")
        default: return text(value)
        }
    }

    /// A scalar as text; nested structures as JSON.
    package static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .null: return ""
        default: return value.jsonString()
        }
    }

    /// A path segment value: "." and ".." are unreserved but walk the path as a whole segment.
    package static func segment(_ s: String) -> String {
        let encoded = QueryEncoding.component(s)
        if encoded == "." { return "%2E" }
        if encoded == ".." { return "%2E%2E" }
        return encoded
    }

    private static let reservedAllowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$'()*+,;=")

    /// `allowReserved: true`: reserved characters pass; `&` and `=` still could not.
    private static func reserved(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: reservedAllowed.subtracting(CharacterSet(charactersIn: "&=#"))) ?? ""
    }
}
