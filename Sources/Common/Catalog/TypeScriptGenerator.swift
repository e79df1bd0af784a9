import Foundation

/// Renders JSON Schemas as TypeScript types, for the declarations a model reads in
/// `search` results. Depth and width are bounded so a huge or recursive schema still
/// yields a short, valid type; enums and unions are kept.
package struct TypeScriptGenerator: Sendable {
    package var maxDepth = 4
    package var maxProperties = 40
    package var maxUnion = 12
    /// One line, no property documentation (search hits).
    package var compact = false

    package init() {}

    /// `name(input: {...}): Promise<Output>` with a doc comment.
    package func declaration(callName: String, title: String, description: String, input: JSONValue?, output: JSONValue?,
                             deprecated: Bool = false, hints: [String] = [], isOperation: Bool) -> String {
        var doc: [String] = []
        if !title.isEmpty { doc.append(title) }
        let desc = description.trimmingCharacters(in: .whitespacesAndNewlines)
        if !desc.isEmpty && desc != title { doc.append(String(desc.prefix(600))) }
        doc.append(contentsOf: hints)
        if deprecated { doc.append("@deprecated") }
        let comment = doc.isEmpty ? "" : "/**\n" + doc.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false) }
            .map { " * " + $0.replacingOccurrences(of: "*/", with: "*\\/") }.joined(separator: "\n") + "\n */\n"
        return comment + signature(callName: callName, input: input, output: output, isOperation: isOperation)
    }

    /// One line: `name(input: T): Promise<R>`.
    package func signature(callName: String, input: JSONValue?, output: JSONValue?, isOperation: Bool) -> String {
        let inputType = input.map { type(of: $0, depth: 0, indent: "") } ?? "{}"
        let optional = input.map { Self.hasRequired($0) } == true ? "" : "?"
        let outputType: String
        if isOperation {
            outputType = "{ status: number; headers: Record<string, string>; body: \(output.map { type(of: $0, depth: 1, indent: "") } ?? "unknown") }"
        } else {
            outputType = output.map { type(of: $0, depth: 1, indent: "") } ?? "unknown"
        }
        return "\(callName)(input\(optional): \(inputType)): Promise<\(outputType)>"
    }

    static func hasRequired(_ schema: JSONValue) -> Bool {
        !(schema["required"]?.arrayValue ?? []).isEmpty
    }

    /// The TypeScript type of a schema.
    package func type(of schema: JSONValue, depth: Int, indent: String) -> String {
        guard case .object(let s) = schema else {
            if schema.boolValue == false { return "never" }
            return "unknown"
        }
        if depth > maxDepth { return "unknown" }
        if let ref = s["$ref"]?.stringValue {
            return "unknown /* \(ref.split(separator: "/").last.map(String.init) ?? "ref") */"
        }
        if let c = s["const"] { return literal(c) }
        if let values = s["enum"]?.arrayValue, !values.isEmpty {
            let parts = values.prefix(maxUnion).map(literal)
            return parts.joined(separator: " | ") + (values.count > maxUnion ? " | string /* … */" : "")
        }
        for key in ["oneOf", "anyOf"] {
            if let options = s[key]?.arrayValue, !options.isEmpty {
                let parts = Array(Set(options.prefix(maxUnion).map { type(of: $0, depth: depth + 1, indent: indent) })).sorted()
                return parts.count == 1 ? parts[0] : parts.map { $0.contains(" ") && !$0.hasPrefix("{") ? "(\($0))" : $0 }.joined(separator: " | ")
            }
        }
        if let all = s["allOf"]?.arrayValue, !all.isEmpty {
            let parts = all.prefix(maxUnion).map { type(of: $0, depth: depth + 1, indent: indent) }.filter { $0 != "unknown" }
            return parts.isEmpty ? "unknown" : parts.joined(separator: " & ")
        }
        var types: [String] = []
        if let t = s["type"]?.stringValue { types = [t] }
        else if let ts = s["type"]?.arrayValue { types = ts.compactMap(\.stringValue) }
        else if s["properties"] != nil { types = ["object"] }
        else if s["items"] != nil { types = ["array"] }
        let nullable = s["nullable"]?.boolValue == true || types.contains("null")
        var rendered = types.filter { $0 != "null" }.map { t -> String in
            switch t {
            case "string": return s["format"]?.stringValue == "binary" ? "string /* binary */" : "string"
            case "integer", "number", "int", "float", "double", "long": return "number"
            case "boolean": return "boolean"
            case "array":
                let item = s["items"].map { type(of: $0, depth: depth + 1, indent: indent) } ?? "unknown"
                return item.contains(" ") && !item.hasPrefix("{") ? "Array<\(item)>" : "\(item)[]"
            case "object": return objectType(s, depth: depth, indent: indent)
            default: return "unknown"
            }
        }
        if rendered.isEmpty { rendered = ["unknown"] }
        if nullable { rendered.append("null") }
        return rendered.joined(separator: " | ")
    }

    private func objectType(_ s: [String: JSONValue], depth: Int, indent: String) -> String {
        let props = s["properties"]?.objectValue ?? [:]
        let required = Set(s["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        if props.isEmpty {
            if let extra = s["additionalProperties"], extra.objectValue != nil {
                return "Record<string, \(type(of: extra, depth: depth + 1, indent: indent))>"
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
            line += "\(inner)\(Self.propertyName(name))\(required.contains(name) ? "" : "?"): \(type(of: value, depth: depth + 1, indent: inner));"
            lines.append(line)
        }
        if names.count > maxProperties { lines.append("\(inner)/* \(names.count - maxProperties) more properties */ [key: string]: unknown;") }
        if compact {
            // One line for search hits: no indentation to strip afterwards.
            return "{ " + lines.map { $0.drop { $0 == " " } }.joined(separator: " ") + " }"
        }
        return "{\n" + lines.joined(separator: "\n") + "\n\(indent)}"
    }

    private func literal(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .number, .bool, .null: return v.jsonString()
        default: return "unknown"
        }
    }

    static func propertyName(_ name: String) -> String {
        let isIdentifier = name.first.map { $0.isLetter || $0 == "_" || $0 == "$" } == true
            && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "$" } && name.allSatisfy(\.isASCII)
        return isIdentifier ? name : JSONValue.string(name).jsonString()
    }
}
