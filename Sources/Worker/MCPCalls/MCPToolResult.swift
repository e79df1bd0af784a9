import Foundation
import JunctionCore
import Upstream

/// Turns an upstream `CallToolResult` into the value a sandbox call returns.
///
/// - `isError` → the call throws with the upstream's text.
/// - `structuredContent` when present (what the tool's output schema describes). Images,
///   audio and resources next to it are not dropped: their handles go under `_content`
///   (of the object; a non-object value is wrapped as `{result, _content}`).
/// - else one block → its value; several → an array of their values.
/// - a text block → its JSON when it is a JSON object or array, else the text.
/// - image, audio, embedded resource and resource link blocks → a small handle from
///   `attachments` (`{type, mimeType, bytes, ref}`); their bytes stay on the host.
package enum MCPToolResult {
    package static func value(of result: JSONValue, tool: String, attachments: RunAttachments = RunAttachments()) throws -> JSONValue {
        let content = result["content"]?.arrayValue ?? []
        if result["isError"]?.boolValue == true {
            let text = content.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
            let message = text.isEmpty ? "the tool reported an error without a message" : String(text.prefix(4000))
            throw UpstreamError.toolFailed("\(tool) failed: \(message)")
        }
        if let structured = result["structuredContent"], !structured.isNull {
            let media = content.compactMap { attachments.keep($0) }
            guard !media.isEmpty else { return structured }
            if case .object(var object) = structured {
                object["_content"] = .array(media)
                return .object(object)
            }
            return ["result": structured, "_content": .array(media)]
        }
        let blocks = content.map { block($0, attachments: attachments) }
        switch blocks.count {
        case 0: return .null
        case 1: return blocks[0]
        default: return .array(blocks)
        }
    }

    static func block(_ item: JSONValue, attachments: RunAttachments) -> JSONValue {
        if item["type"]?.stringValue == "text" {
            let text = item["text"]?.stringValue ?? ""
            return parsedJSON(text) ?? .string(text)
        }
        return attachments.keep(item) ?? item
    }

    /// Objects and arrays only: a tool answering "42" or "true" as text means text.
    private static func parsedJSON(_ text: String) -> JSONValue? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let first = t.first, first == "{" || first == "[" else { return nil }
        return try? JSONValue.parse(t)
    }
}
