import Foundation
import JunctionCore
import Synchronization

/// The images, audio clips and resources that upstream MCP tools returned during one run,
/// kept on the host for that run only.
///
/// The sandbox never sees their bytes: a tool call returns a small handle instead
/// (`{type: "image", mimeType, bytes, ref}`; an embedded text resource keeps its `text`).
/// When the run's result contains a handle, `attach(to:)` takes the content block it
/// stands for out of this store, and the frontend sends it to the client as a real MCP
/// content block next to the JSON text. Refs are random per run, so a ref only ever
/// resolves in the run that received it.
package final class RunAttachments: Sendable {
    /// How much one run may keep.
    package struct Limits: Sendable, Equatable {
        /// Blocks one run may keep (`JUNCTION_MAX_ATTACHMENTS_PER_RUN`).
        package var maxCount: Int
        /// Decoded bytes (text: UTF-8 bytes) one run may keep (`JUNCTION_MAX_ATTACHMENT_BYTES_PER_RUN`).
        package var maxBytes: Int

        package init(maxCount: Int = 10, maxBytes: Int = 5_000_000) {
            self.maxCount = maxCount
            self.maxBytes = maxBytes
        }
    }

    private struct Kept: Sendable {
        /// The MCP content block as the client gets it (with its bytes).
        var block: JSONValue
        /// What the sandbox got.
        var handle: [String: JSONValue]
    }

    private struct State: Sendable {
        var kept: [String: Kept] = [:]
        var count = 0
        var bytes = 0
    }

    package let limits: Limits
    private let prefix: String
    private let state = Mutex(State())

    package init(limits: Limits = Limits()) {
        self.limits = limits
        self.prefix = "att-" + String(UInt32.random(in: .min ... .max), radix: 16)
    }

    /// The value the sandbox gets for an upstream content block of kind `image`, `audio`,
    /// `resource` or `resource_link`, keeping its block; nil for any other kind.
    package func keep(_ item: JSONValue) -> JSONValue? {
        let annotations = item["annotations"].flatMap { $0.objectValue == nil ? nil : $0 }
        switch item["type"]?.stringValue {
        case "image", "audio":
            let kind = item["type"]!.stringValue!
            let mimeType = item["mimeType"]?.stringValue ?? "application/octet-stream"
            guard let (data, bytes) = Self.base64(item["data"]) else {
                return ["type": .string(kind), "mimeType": .string(mimeType), "error": .string("the server sent \(kind) data that is not base64")]
            }
            var block: [String: JSONValue] = ["type": .string(kind), "data": .string(data), "mimeType": .string(mimeType)]
            block["annotations"] = annotations
            return store(block: .object(block), handle: ["type": .string(kind), "mimeType": .string(mimeType), "bytes": .number(Double(bytes))],
                         bytes: bytes)
        case "resource":
            guard let resource = item["resource"], let uri = resource["uri"]?.stringValue else {
                return ["type": "resource", "error": "the server sent an embedded resource without a uri"]
            }
            var contents: [String: JSONValue] = ["uri": .string(uri)]
            var handle: [String: JSONValue] = ["type": "resource", "uri": .string(uri)]
            if let mimeType = resource["mimeType"]?.stringValue {
                contents["mimeType"] = .string(mimeType)
                handle["mimeType"] = .string(mimeType)
            }
            let bytes: Int
            if let text = resource["text"]?.stringValue {
                bytes = text.utf8.count
                contents["text"] = .string(text)
                handle["text"] = .string(text)
            } else if let (blob, count) = Self.base64(resource["blob"]) {
                bytes = count
                contents["blob"] = .string(blob)
            } else {
                handle["error"] = "the server sent a resource with neither text nor base64 blob"
                return .object(handle)
            }
            handle["bytes"] = .number(Double(bytes))
            var block: [String: JSONValue] = ["type": "resource", "resource": .object(contents)]
            block["annotations"] = annotations
            return store(block: .object(block), handle: handle, bytes: bytes)
        case "resource_link":
            guard let uri = item["uri"]?.stringValue else {
                return ["type": "resource_link", "error": "the server sent a resource link without a uri"]
            }
            var link: [String: JSONValue] = ["type": "resource_link", "uri": .string(uri), "name": .string(item["name"]?.stringValue ?? uri)]
            for key in ["title", "description", "mimeType"] { if let v = item[key]?.stringValue { link[key] = .string(v) } }
            if let size = item["size"]?.numberValue { link["size"] = .number(size) }
            var block = link
            block["annotations"] = annotations
            return store(block: .object(block), handle: link, bytes: 0)
        default:
            return nil
        }
    }

    private func store(block: JSONValue, handle: [String: JSONValue], bytes: Int) -> JSONValue {
        var handle = handle
        let refused: String? = state.withLock { s in
            if s.count + 1 > limits.maxCount {
                return "not kept: a run may keep at most \(limits.maxCount) images, audio clips or resources (JUNCTION_MAX_ATTACHMENTS_PER_RUN); ask for fewer per run"
            }
            if s.bytes + bytes > limits.maxBytes {
                return "not kept: a run may keep at most \(limits.maxBytes) bytes of images, audio and resources (JUNCTION_MAX_ATTACHMENT_BYTES_PER_RUN) and \(s.bytes) are kept already; ask for fewer or smaller ones"
            }
            s.count += 1
            s.bytes += bytes
            let ref = "\(prefix)-\(s.count)"
            handle["ref"] = .string(ref)
            s.kept[ref] = Kept(block: block, handle: handle)
            return nil
        }
        if let refused { handle["omitted"] = .string(refused) }
        return .object(handle)
    }

    /// `result` with every handle of this run in it replaced by a note saying which
    /// content block it became, and those blocks, numbered in the order they appear in the
    /// result's JSON text (object keys sorted, as `jsonString()` writes them). A handle that
    /// appears twice becomes one block. Objects whose `ref` is not this run's stay as they are.
    package func attach(to result: JSONValue) -> (result: JSONValue, blocks: [JSONValue]) {
        let kept = state.withLock { $0.kept }
        guard !kept.isEmpty else { return (result, []) }
        var numbers: [String: Int] = [:]
        var blocks: [JSONValue] = []
        func walk(_ value: JSONValue) -> JSONValue {
            switch value {
            case .object(let object):
                if let ref = object["ref"]?.stringValue, let item = kept[ref] {
                    let number: Int
                    if let known = numbers[ref] { number = known } else {
                        blocks.append(item.block)
                        number = blocks.count
                        numbers[ref] = number
                    }
                    var note = item.handle
                    note.removeValue(forKey: "text")
                    note["attached"] = .string("content block \(number) after this JSON text")
                    return .object(note)
                }
                var out: [String: JSONValue] = [:]
                for key in object.keys.sorted() { out[key] = walk(object[key]!) }
                return .object(out)
            case .array(let items):
                return .array(items.map(walk))
            default:
                return value
            }
        }
        let shown = walk(result)
        return (shown, blocks)
    }

    /// Canonical base64 and its decoded length; nil when `value` is not base64 text.
    /// MIME-style line breaks and missing padding are tolerated (and normalised away).
    static func base64(_ value: JSONValue?) -> (String, Int)? {
        guard let text = value?.stringValue else { return nil }
        if let data = Data(base64Encoded: text) { return (text, data.count) }
        var compact = text.filter { !$0.isWhitespace }
        if compact.count % 4 != 0 { compact += String(repeating: "=", count: 4 - compact.count % 4) }
        guard let data = Data(base64Encoded: compact) else { return nil }
        return (data.base64EncodedString(), data.count)
    }
}
