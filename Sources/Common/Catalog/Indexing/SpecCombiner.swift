import Foundation
import JunctionCore
/// Builds the document `codemode.spec()` returns: every enabled OpenAPI source's paths
/// prefixed with `/<slug>`, its components renamed `<slug>_<Name>`, and every internal
/// `$ref` rewritten to match, so several sources live in one document without clashes.
/// Each operation carries `x-codemode-call`, the function that performs it.
package enum SpecCombiner {
    /// Swagger 2 sections that map onto OpenAPI 3 component kinds.
    private static let swaggerSections = ["definitions": "schemas", "parameters": "parameters", "responses": "responses",
                                          "securityDefinitions": "securitySchemes"]

    /// One source's share of the combined document.
    package static func fragment(_ doc: OpenAPIDocument, slug: String, callNames: [String: String]) -> JSONValue {
        var components: [String: JSONValue] = [:]
        if doc.version == .openapi3, let comps = doc.root["components"]?.objectValue {
            for (kind, entries) in comps {
                guard let entries = entries.objectValue else { continue }
                components[kind] = .object(Dictionary(uniqueKeysWithValues: entries.map { ("\(slug)_\($0.key)", rewrite($0.value, slug: slug)) }))
            }
        } else {
            for (section, kind) in swaggerSections {
                guard let entries = doc.root[section]?.objectValue else { continue }
                components[kind] = .object(Dictionary(uniqueKeysWithValues: entries.map { ("\(slug)_\($0.key)", rewrite($0.value, slug: slug)) }))
            }
        }
        var paths: [String: JSONValue] = [:]
        for (path, item) in doc.root["paths"]?.objectValue ?? [:] {
            guard case .object(var ops) = rewrite(item, slug: slug) else { continue }
            for method in OpenAPIIndexer.methods {
                guard case .object(var op)? = ops[method] else { continue }
                if let call = callNames["\(method.uppercased()) \(path)"] { op["x-codemode-call"] = .string(call) }
                ops[method] = .object(op)
            }
            paths["/\(slug)\(path.hasPrefix("/") ? path : "/" + path)"] = .object(ops)
        }
        return ["paths": .object(paths), "components": .object(components),
                "title": .string(doc.root["info"]?["title"]?.stringValue ?? slug), "slug": .string(slug)]
    }

    /// Merges fragments into one OpenAPI 3.1 document.
    package static func combine(_ fragments: [JSONValue]) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        var components: [String: [String: JSONValue]] = [:]
        var tags: [JSONValue] = []
        for f in fragments {
            for (k, v) in f["paths"]?.objectValue ?? [:] { paths[k] = v }
            for (kind, entries) in f["components"]?.objectValue ?? [:] {
                for (name, value) in entries.objectValue ?? [:] { components[kind, default: [:]][name] = value }
            }
            if let slug = f["slug"]?.stringValue {
                tags.append(["name": .string(slug), "description": f["title"] ?? .string(slug)])
            }
        }
        return ["openapi": "3.1.0", "info": ["title": "Junction: combined API of your enabled sources", "version": "1"],
                "tags": .array(tags), "paths": .object(paths), "components": .object(components.mapValues { .object($0) })]
    }

    private static func rewrite(_ value: JSONValue, slug: String) -> JSONValue {
        switch value {
        case .object(var o):
            if let ref = o["$ref"]?.stringValue { o["$ref"] = .string(rewriteRef(ref, slug: slug)) }
            for (k, v) in o where k != "$ref" { o[k] = rewrite(v, slug: slug) }
            return .object(o)
        case .array(let a):
            return .array(a.map { rewrite($0, slug: slug) })
        default:
            return value
        }
    }

    static func rewriteRef(_ ref: String, slug: String) -> String {
        guard ref.hasPrefix("#/") else { return ref }
        let parts = ref.dropFirst(2).split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        if parts.count >= 3, parts[0] == "components" {
            return "#/components/\(parts[1])/\(slug)_\(parts[2])"
        }
        if parts.count >= 2, let kind = swaggerSections[parts[0]] {
            let rest = parts.dropFirst().joined(separator: "/")
            return "#/components/\(kind)/\(slug)_\(rest)"
        }
        if parts.count >= 2, parts[0] == "paths" {
            // A path reference names its path; it moves under the source's prefix.
            let path = parts[1].replacingOccurrences(of: "~1", with: "/")
            let moved = "/\(slug)\(path)".replacingOccurrences(of: "/", with: "~1")
            return "#/paths/\(moved)" + (parts.count > 2 ? "/\(parts[2])" : "")
        }
        return ref
    }
}
