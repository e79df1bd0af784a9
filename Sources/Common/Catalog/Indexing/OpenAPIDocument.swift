import Foundation
import JunctionCore

/// A parsed OpenAPI (3.x) or Swagger (2.0) document.
package struct OpenAPIDocument: Sendable {
    package enum Version: Sendable, Equatable { case swagger2, openapi3 }

    package var root: [String: JSONValue]
    package var version: Version

    /// Parses JSON or YAML text; throws `invalid_spec` with a reason a person can act on.
    /// A YAML document may expand (through aliases) to at most `limits.maxNodes` nodes.
    package init(data: Data, limits: IndexLimits = .standard) throws {
        let value: JSONValue
        let trimmed = data.prefix(64).drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF }
        if trimmed.first == UInt8(ascii: "{") {
            do { value = try JSONValue.parse(data) } catch {
                throw CatalogError.invalidSpec("the spec is not valid JSON: \(Self.describe(error))")
            }
        } else {
            guard let text = String(data: data, encoding: .utf8) else {
                throw CatalogError.invalidSpec("the spec is neither UTF-8 JSON nor YAML")
            }
            if text.range(of: "<html", options: [.caseInsensitive]) != nil && text.range(of: "openapi", options: .caseInsensitive) == nil {
                throw CatalogError.invalidSpec("the spec URL returned an HTML page, not an OpenAPI document")
            }
            value = try YAMLLoader(forInputBytes: data.count, limits: limits).load(text)
        }
        try self.init(value: value)
    }

    package init(value: JSONValue) throws {
        guard let root = value.objectValue else {
            throw CatalogError.invalidSpec("the spec is not an OpenAPI document (its top level is not an object)")
        }
        if let v = root["openapi"]?.stringValue, v.hasPrefix("3.") {
            version = .openapi3
        } else if root["swagger"]?.stringValue == "2.0" {
            version = .swagger2
        } else {
            throw CatalogError.invalidSpec("the document has neither `openapi: 3.x` nor `swagger: \"2.0\"`; it is not an OpenAPI spec")
        }
        guard root["paths"]?.objectValue != nil else {
            throw CatalogError.invalidSpec("the spec has no `paths` object")
        }
        self.root = root
    }

    private static func describe(_ error: Error) -> String {
        String("\(error)".prefix(200))
    }

    /// Resolves a local JSON pointer (`#/components/schemas/Pet`).
    package func resolve(pointer: String) -> JSONValue? {
        Self.resolve(pointer: pointer, in: .object(root))
    }

    /// Resolves a local JSON pointer against any document.
    package static func resolve(pointer: String, in root: JSONValue) -> JSONValue? {
        guard pointer.hasPrefix("#/") else { return nil }
        var current = root
        for raw in pointer.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let key = String(raw).replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            let decoded = key.removingPercentEncoding ?? key
            switch current {
            case .object(let o): guard let next = o[decoded] else { return nil }; current = next
            case .array(let a): guard let i = Int(decoded), a.indices.contains(i) else { return nil }; current = a[i]
            default: return nil
            }
        }
        return current
    }

    /// Follows `$ref` at the top of a value (parameters, request bodies, responses),
    /// at most a few hops so a cycle of references cannot loop.
    package func deref(_ value: JSONValue) -> JSONValue {
        var current = value
        for _ in 0..<8 {
            guard let ref = current["$ref"]?.stringValue, let target = resolve(pointer: ref) else { return current }
            current = target
        }
        return current
    }

    /// Every `$ref` that is not a local pointer into this document, and every local one
    /// that points nowhere: reported on the source, never fetched.
    package func referenceProblems(limit: Int = 20) -> (external: [String], unresolved: [String]) {
        var external: Set<String> = []
        var unresolved: Set<String> = []
        var checked: [String: Bool] = [:]
        func walk(_ value: JSONValue) {
            switch value {
            case .object(let o):
                if let ref = o["$ref"]?.stringValue {
                    if !ref.hasPrefix("#") {
                        external.insert(ref)
                    } else if let ok = checked[ref] {
                        if !ok { unresolved.insert(ref) }
                    } else {
                        let ok = ref == "#" || resolve(pointer: ref) != nil
                        checked[ref] = ok
                        if !ok { unresolved.insert(ref) }
                    }
                }
                for (k, v) in o where k != "example" && k != "examples" { walk(v) }
            case .array(let a):
                for v in a { walk(v) }
            default:
                break
            }
        }
        walk(.object(root))
        return (Array(external.sorted().prefix(limit)), Array(unresolved.sorted().prefix(limit)))
    }
}
