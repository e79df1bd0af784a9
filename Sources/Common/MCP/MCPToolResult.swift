import Foundation

/// Turns an upstream `CallToolResult` into the value a sandbox call returns.
///
/// - `isError` → the call throws with the upstream's text.
/// - `structuredContent` when present.
/// - else one text block → its JSON when it parses as JSON, else the text.
/// - else several blocks → an array of the same mapping; images, audio and embedded
///   resources become typed objects (`{type: "image", mimeType, data}` …).
package enum MCPToolResult {
    package static func value(of result: JSONValue, tool: String) throws -> JSONValue {
        let content = result["content"]?.arrayValue ?? []
        if result["isError"]?.boolValue == true {
            let text = content.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
            let message = text.isEmpty ? "the tool reported an error without a message" : String(text.prefix(4000))
            throw JunctionError("tool_error", "\(tool) failed: \(message)", status: 502)
        }
        if let structured = result["structuredContent"], !structured.isNull { return structured }
        let blocks = content.map(block)
        switch blocks.count {
        case 0: return .null
        case 1: return blocks[0]
        default: return .array(blocks)
        }
    }

    static func block(_ item: JSONValue) -> JSONValue {
        switch item["type"]?.stringValue {
        case "text":
            let text = item["text"]?.stringValue ?? ""
            return parsedJSON(text) ?? .string(text)
        case "image", "audio":
            return keep(item, ["type", "mimeType", "data"])
        case "resource":
            guard let resource = item["resource"] else { return item }
            var out = keep(resource, ["uri", "mimeType", "text", "blob"]).objectValue ?? [:]
            out["type"] = "resource"
            return .object(out)
        case "resource_link":
            return keep(item, ["type", "uri", "name", "title", "description", "mimeType", "size"])
        default:
            return item
        }
    }

    private static func keep(_ item: JSONValue, _ keys: [String]) -> JSONValue {
        var out: [String: JSONValue] = [:]
        for k in keys { if let v = item[k] { out[k] = v } }
        return .object(out)
    }

    /// Objects and arrays only: a tool answering "42" or "true" as text means text.
    private static func parsedJSON(_ text: String) -> JSONValue? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let first = t.first, first == "{" || first == "[" else { return nil }
        return try? JSONValue.parse(t)
    }
}
