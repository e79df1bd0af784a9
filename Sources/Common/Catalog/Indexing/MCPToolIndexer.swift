import Foundation
import JunctionCore

/// Turns a `tools/list` result into catalog drafts: the tool's description, input and
/// output schemas, and its annotations as documentation hints of the declaration.
package enum MCPToolIndexer {
    package static func drafts(_ tools: [JSONValue]) -> [CatalogEntryDraft] {
        var out: [CatalogEntryDraft] = []
        var seen = Set<String>()
        for tool in tools {
            guard let name = tool["name"]?.stringValue, !name.isEmpty, seen.insert(name).inserted else { continue }
            let annotations = tool["annotations"]
            let title = String((tool["title"]?.stringValue ?? annotations?["title"]?.stringValue ?? name).prefix(OpenAPIIndexer.maxTitle))
            var input = tool["inputSchema"] ?? ["type": "object"]
            if input.objectValue == nil { input = ["type": "object"] }
            let output = tool["outputSchema"].flatMap { $0.objectValue == nil ? nil : $0 }
            let parameters = input["properties"]?.objectValue.map { Array($0.keys).sorted() } ?? []
            var draft = CatalogEntryDraft(
                operationKey: name, nameHint: String(name.prefix(OpenAPIIndexer.maxTitle)), kind: .tool, title: title,
                description: String((tool["description"]?.stringValue ?? "").prefix(4000)),
                tags: ["mcp"], inputSchema: input, outputSchema: output,
                details: ["tool": .string(name)], parameterNames: parameters)
            draft.hints = hints(annotations)
            out.append(draft)
        }
        return out
    }

    /// `@readOnly`-style lines for the declaration, from the tool's annotation hints.
    package static func hints(_ annotations: JSONValue?) -> [String] {
        guard let a = annotations else { return [] }
        var lines: [String] = []
        if a["readOnlyHint"]?.boolValue == true { lines.append("@readOnly does not modify its environment") }
        if a["destructiveHint"]?.boolValue == true && a["readOnlyHint"]?.boolValue != true {
            lines.append("@destructive may perform destructive updates")
        }
        if a["destructiveHint"]?.boolValue == false && a["readOnlyHint"]?.boolValue != true {
            lines.append("@additive performs only additive updates")
        }
        if a["idempotentHint"]?.boolValue == true { lines.append("@idempotent repeating the call with the same arguments has no further effect") }
        if a["openWorldHint"]?.boolValue == false { lines.append("@closedWorld works only within its own domain") }
        if a["openWorldHint"]?.boolValue == true { lines.append("@openWorld interacts with external entities") }
        return lines
    }
}
