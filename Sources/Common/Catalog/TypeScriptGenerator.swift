import Foundation
import JunctionCore

/// Renders JSON Schemas as TypeScript types, for the declarations a model reads in
/// `search` results. Depth, width and the number of schema nodes looked at are bounded,
/// so a huge or recursive schema still yields a short type; enums and unions are kept.
///
/// What is cut keeps its kind: a scalar stays `string`/`number`/…, an object past the
/// bounds becomes `{…}` (and `{…}[]` for arrays of them), and `unknown` is left only for
/// schemas that state no type at all. A rendering that abbreviated something says so:
/// one-line signatures end with a pointer to `describe()`, declarations with a line
/// pointing to the full JSON Schemas next to them.
package struct TypeScriptGenerator: Sendable {
    package var maxDepth = 4
    package var maxProperties = 40
    package var maxUnion = 12
    /// Schema nodes one rendering looks at; past it, every object is abbreviated `{…}`.
    package var maxNodes = 2000
    /// One line, no property documentation (search hits).
    package var compact = false

    /// The shape of a callable without its name: `(input: T): Promise<R>`.
    package struct Rendered: Sendable, Equatable {
        package var tail: String
        /// Whether some type in `tail` was abbreviated.
        package var abbreviated: Bool
    }

    /// The bounds `search` hits are rendered with.
    package static var searchHit: TypeScriptGenerator {
        var g = TypeScriptGenerator()
        g.maxDepth = 2
        g.maxProperties = 12
        g.maxNodes = 200
        g.compact = true
        return g
    }

    package init() {}

    /// `name(input: {...}): Promise<Output>` with a doc comment.
    package func declaration(callName: String, title: String, description: String, input: JSONValue?, output: JSONValue?,
                             deprecated: Bool = false, hints: [String] = [], isOperation: Bool) -> String {
        Self.declaration(callName: callName, title: title, description: description, deprecated: deprecated, hints: hints,
                         rendered: render(input: input, output: output, isOperation: isOperation))
    }

    /// A declaration from a rendering made earlier (outside the catalog's write transaction).
    package static func declaration(callName: String, title: String, description: String, deprecated: Bool, hints: [String],
                                    rendered: Rendered) -> String {
        var doc: [String] = []
        if !title.isEmpty { doc.append(title) }
        let desc = description.trimmingCharacters(in: .whitespacesAndNewlines)
        if !desc.isEmpty && desc != title { doc.append(String(desc.prefix(600))) }
        doc.append(contentsOf: hints)
        if deprecated { doc.append("@deprecated") }
        if rendered.abbreviated { doc.append("{…} marks types abbreviated here; `input` and `output` next to this declaration are the full JSON Schemas") }
        let comment = doc.isEmpty ? "" : "/**\n" + doc.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false) }
            .map { " * " + $0.replacingOccurrences(of: "*/", with: "*\\/") }.joined(separator: "\n") + "\n */\n"
        return comment + callName + rendered.tail
    }

    /// One line: `name(input: T): Promise<R>`, and where to read what was abbreviated.
    package func signature(callName: String, input: JSONValue?, output: JSONValue?, isOperation: Bool) -> String {
        Self.signature(callName: callName, rendered: render(input: input, output: output, isOperation: isOperation))
    }

    /// A signature from a rendering made earlier.
    package static func signature(callName: String, rendered: Rendered) -> String {
        callName + rendered.tail + (rendered.abbreviated ? "  // {…} abbreviated: codemode.describe(\"\(callName)\") has the rest" : "")
    }

    /// `(input: T): Promise<R>` for a callable's schemas.
    package func render(input: JSONValue?, output: JSONValue?, isOperation: Bool) -> Rendered {
        let walk = Walk()
        walk.root = input
        let inputType = input.map { type(of: $0, depth: 0, indent: "", walk: walk) } ?? "{}"
        let optional = input.map { Self.hasRequired($0) } == true ? "" : "?"
        walk.root = output
        let body = output.map { type(of: $0, depth: 1, indent: "", walk: walk) } ?? "unknown"
        let outputType = isOperation ? "{ status: number; headers: Record<string, string>; body: \(body) }" : body
        return Rendered(tail: "(input\(optional): \(inputType)): Promise<\(outputType)>", abbreviated: walk.abbreviated)
    }

    static func hasRequired(_ schema: JSONValue) -> Bool {
        !(schema["required"]?.arrayValue ?? []).isEmpty
    }

    /// The state of one rendering.
    private final class Walk {
        var nodes = 0
        var abbreviated = false
        /// The schema local `$ref`s resolve against (MCP tools keep `$defs` in their schemas).
        var root: JSONValue?
    }

    private func type(of schema: JSONValue, depth: Int, indent: String, walk: Walk) -> String {
        guard case .object(let s) = schema else {
            if schema.boolValue == false { return "never" }
            return "unknown"
        }
        walk.nodes += 1
        if depth > maxDepth || walk.nodes > maxNodes { return brief(s, walk: walk) }
        if let ref = s["$ref"]?.stringValue {
            let name = ref.split(separator: "/").last.map(String.init) ?? "ref"
            if ref.hasPrefix("#"), let root = walk.root, let target = OpenAPIDocument.resolve(pointer: ref, in: root) {
                return type(of: target, depth: depth + 1, indent: indent, walk: walk)
            }
            // A reference inlining left as a name (too deep or circular): its kind, briefly.
            let kind = brief(s, walk: walk)
            return compact ? kind : "\(kind) /* \(name) */"
        }
        if let c = s["const"] { return literal(c) }
        if let values = s["enum"]?.arrayValue, !values.isEmpty { return enumeration(values) }
        for key in ["oneOf", "anyOf"] {
            if let options = s[key]?.arrayValue, !options.isEmpty {
                let parts = Self.union(options.prefix(maxUnion).map { type(of: $0, depth: depth + 1, indent: indent, walk: walk) })
                return parts.count == 1 ? parts[0] : parts.map { $0.contains(" ") && !$0.hasPrefix("{") ? "(\($0))" : $0 }.joined(separator: " | ")
            }
        }
        if let all = s["allOf"]?.arrayValue, !all.isEmpty {
            let parts = all.prefix(maxUnion).map { type(of: $0, depth: depth + 1, indent: indent, walk: walk) }.filter { $0 != "unknown" }
            return parts.isEmpty ? "unknown" : parts.joined(separator: " & ")
        }
        let types = Self.types(s)
        var rendered = types.filter { $0 != "null" }.map { t -> String in
            switch t {
            case "array":
                let item = s["items"].map { type(of: $0, depth: depth + 1, indent: indent, walk: walk) } ?? "unknown"
                return Self.arrayOf(item)
            case "object": return objectType(s, depth: depth, indent: indent, walk: walk)
            default: return scalar(t, s)
            }
        }
        let nullable = types.contains("null") || s["nullable"]?.boolValue == true
        if rendered.isEmpty && !nullable { rendered = ["unknown"] }
        if nullable { rendered.append("null") }
        return rendered.joined(separator: " | ")
    }

    /// A schema past the depth or node bounds: scalars and enums as they are, objects `{…}`.
    /// Looks one level into unions and down chains of arrays only, so it stays cheap.
    private func brief(_ s: [String: JSONValue], walk: Walk, nested: Bool = false) -> String {
        if let c = s["const"] { return literal(c) }
        if let values = s["enum"]?.arrayValue, !values.isEmpty { return enumeration(values) }
        for key in ["oneOf", "anyOf"] where !nested {
            if let options = s[key]?.arrayValue, !options.isEmpty {
                let parts = Set(options.prefix(maxUnion).map { $0.objectValue.map { brief($0, walk: walk, nested: true) } ?? "unknown" })
                return Self.union(Array(parts)).joined(separator: " | ")
            }
        }
        let types = Self.types(s)
        if types.isEmpty {
            if s["oneOf"] != nil || s["anyOf"] != nil || s["allOf"] != nil || s["$ref"] != nil {
                walk.abbreviated = true
                return "{…}"
            }
            return "unknown"
        }
        var rendered = types.filter { $0 != "null" }.map { t -> String in
            switch t {
            case "array":
                guard let items = s["items"]?.objectValue else { return "unknown[]" }
                return Self.arrayOf(brief(items, walk: walk, nested: true))
            case "object":
                walk.abbreviated = true
                return "{…}"
            default: return scalar(t, s)
            }
        }
        let nullable = types.contains("null") || s["nullable"]?.boolValue == true
        if rendered.isEmpty && !nullable { rendered = ["unknown"] }
        if nullable { rendered.append("null") }
        return rendered.joined(separator: " | ")
    }

    /// The JSON types a schema states, or implies by its keywords.
    private static func types(_ s: [String: JSONValue]) -> [String] {
        if let t = s["type"]?.stringValue { return [t] }
        if let ts = s["type"]?.arrayValue { return ts.compactMap(\.stringValue) }
        if s["properties"] != nil || s["additionalProperties"]?.objectValue != nil { return ["object"] }
        if s["items"] != nil { return ["array"] }
        return []
    }

    private func scalar(_ t: String, _ s: [String: JSONValue]) -> String {
        switch t {
        case "string": return s["format"]?.stringValue == "binary" ? "string /* binary */" : "string"
        case "integer", "number", "int", "float", "double", "long": return "number"
        case "boolean": return "boolean"
        case "file": return "string /* binary */"
        default: return "unknown"
        }
    }

    /// The distinct members of a union in a stable order, `null` last (`string | null`).
    private static func union(_ parts: [String]) -> [String] {
        Array(Set(parts)).sorted { ($0 == "null" ? 1 : 0, $0) < ($1 == "null" ? 1 : 0, $1) }
    }

    private static func arrayOf(_ item: String) -> String {
        item.contains(" ") && !item.hasPrefix("{") ? "Array<\(item)>" : "\(item)[]"
    }

    private func enumeration(_ values: [JSONValue]) -> String {
        let parts = values.prefix(maxUnion).map(literal)
        return parts.joined(separator: " | ") + (values.count > maxUnion ? " | string /* … */" : "")
    }

    private func objectType(_ s: [String: JSONValue], depth: Int, indent: String, walk: Walk) -> String {
        let props = s["properties"]?.objectValue ?? [:]
        let required = Set(s["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        if props.isEmpty {
            if let extra = s["additionalProperties"], extra.objectValue != nil {
                return "Record<string, \(type(of: extra, depth: depth + 1, indent: indent, walk: walk))>"
            }
            return "Record<string, unknown>"
        }
        let inner = indent + "  "
        // Required properties first, so a model sees what it must pass.
        let names = props.keys.sorted { (required.contains($0) ? 0 : 1, $0) < (required.contains($1) ? 0 : 1, $1) }
        var lines: [String] = []
        for name in names.prefix(maxProperties) {
            let value = props[name]!
            var line = ""
            if !compact, let d = value["description"]?.stringValue?.split(separator: "\n").first, !d.isEmpty {
                let text = String(d.prefix(160))
                line += "\(inner)/** \(text.contains("*/") ? text.replacingOccurrences(of: "*/", with: "*\\/") : text) */\n"
            }
            if name.utf8.count > Self.maxNameLength { walk.abbreviated = true }
            line += "\(inner)\(Self.propertyName(name))\(required.contains(name) ? "" : "?"): \(type(of: value, depth: depth + 1, indent: inner, walk: walk));"
            lines.append(line)
        }
        if names.count > maxProperties {
            walk.abbreviated = true
            lines.append(compact ? "…\(names.count - maxProperties) more" : "\(inner)/* …\(names.count - maxProperties) more properties */")
        }
        if compact {
            // One line for search hits: no indentation to strip afterwards.
            return "{ " + lines.map { $0.drop { $0 == " " } }.joined(separator: " ") + " }"
        }
        return "{\n" + lines.joined(separator: "\n") + "\n\(indent)}"
    }

    private func literal(_ v: JSONValue) -> String {
        switch v {
        case .string(let s):
            guard s.utf8.count <= 120 else { return "string" }
            return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .number, .bool, .null: return v.jsonString()
        default: return "unknown"
        }
    }

    /// Longest property name shown whole; longer ones are cut (`"aaa…"`).
    static let maxNameLength = 100

    static func propertyName(_ name: String) -> String {
        if name.utf8.count > maxNameLength { return JSONValue.string(String(name.prefix(maxNameLength)) + "…").jsonString() }
        let isIdentifier = name.first.map { $0.isLetter || $0 == "_" || $0 == "$" } == true
            && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "$" } && name.allSatisfy(\.isASCII)
        return isIdentifier ? name : JSONValue.string(name).jsonString()
    }
}
