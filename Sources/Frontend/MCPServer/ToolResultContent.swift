import JunctionCore
import Runs

/// The `content` of a `tools/call` result: the run's JSON as one text block, then the
/// blocks the run attached (images, audio, resources), each in a kind the client's
/// protocol revision has. Audio appeared in 2025-03-26 and resource links in 2025-06-18;
/// for older revisions an audio clip travels as an embedded blob resource and a link as
/// a text block, so the block numbers the JSON text gives stay right.
enum ToolResultContent {
    static func blocks(_ result: RunResult, version: String) -> JSONValue {
        // The text twin is exactly the structured content, as the MCP spec recommends.
        var content: [JSONValue] = [["type": "text", "text": .string(result.structured.jsonString())]]
        for (index, block) in result.attachments.enumerated() {
            content.append(converted(block, number: index + 1, version: version))
        }
        return .array(content)
    }

    static func hasAudio(_ version: String) -> Bool { version >= "2025-03-26" }
    static func hasResourceLinks(_ version: String) -> Bool { version >= "2025-06-18" }

    static func converted(_ block: JSONValue, number: Int, version: String) -> JSONValue {
        switch block["type"]?.stringValue {
        case "audio" where !hasAudio(version):
            var resource: [String: JSONValue] = ["uri": .string("attachment:///\(number)"), "blob": block["data"] ?? ""]
            resource["mimeType"] = block["mimeType"]
            return ["type": "resource", "resource": .object(resource)]
        case "resource_link" where !hasResourceLinks(version):
            let name = block["title"]?.stringValue ?? block["name"]?.stringValue ?? ""
            var text = "Resource link: \(name) <\(block["uri"]?.stringValue ?? "")>"
            if let mimeType = block["mimeType"]?.stringValue { text += " (\(mimeType))" }
            if let description = block["description"]?.stringValue { text += " — \(description)" }
            return ["type": "text", "text": .string(text)]
        default:
            return block
        }
    }
}
