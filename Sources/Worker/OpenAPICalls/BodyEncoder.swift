import Foundation
import JunctionCore
import Upstream

/// Encodes a sandbox call's `body` for a content type: JSON, form-urlencoded, multipart
/// (fields, and files given as `{base64, filename, contentType}`), or raw text/bytes.
package enum BodyEncoder {
    /// The bytes and the final Content-Type (multipart gains its boundary).
    package static func encode(_ body: JSONValue, contentType: String, boundary: String, callName: String) throws -> (Data, String) {
        let type = contentType.lowercased()
        if type.hasPrefix("multipart/") {
            guard let fields = body.objectValue else {
                throw JunctionError.badRequest("\(callName): a \(contentType) body must be an object of fields")
            }
            return (try multipart(fields, boundary: boundary, callName: callName), "\(contentType); boundary=\(boundary)")
        }
        if type.contains("x-www-form-urlencoded") {
            guard let fields = body.objectValue else {
                throw JunctionError.badRequest("\(callName): a form body must be an object of fields")
            }
            var pairs: [String] = []
            for key in fields.keys.sorted() {
                let value = fields[key]!
                for item in value.arrayValue ?? [value] where !item.isNull {
                    pairs.append("\(QueryEncoding.component(key))=\(QueryEncoding.component(ParameterSerializer.text(item)))")
                }
            }
            return (Data(pairs.joined(separator: "&").utf8), contentType)
        }
        if let bytes = try file(body, callName: callName) {
            return (bytes.data, contentType)
        }
        if type.contains("json") {
            return (Data(body.jsonString().utf8), contentType)
        }
        // Any other type (text, XML, octet-stream …) takes a string as the literal body.
        if let s = body.stringValue { return (Data(s.utf8), contentType) }
        return (Data(body.jsonString().utf8), contentType)
    }

    /// `{base64, filename?, contentType?}` decoded, or nil when the value is not a file.
    static func file(_ value: JSONValue, callName: String) throws -> (data: Data, filename: String?, contentType: String?)? {
        guard let o = value.objectValue, let b64 = o["base64"]?.stringValue,
              Set(o.keys).isSubset(of: ["base64", "filename", "contentType"]) else { return nil }
        guard let data = Data(base64Encoded: b64, options: .ignoreUnknownCharacters) else {
            throw JunctionError.badRequest("\(callName): a base64 body part is not valid base64")
        }
        return (data, o["filename"]?.stringValue, o["contentType"]?.stringValue)
    }

    private static func multipart(_ fields: [String: JSONValue], boundary: String, callName: String) throws -> Data {
        var out = Data()
        func quoted(_ s: String) -> String {
            s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "%22")
                .replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
        }
        for name in fields.keys.sorted() {
            let value = fields[name]!
            for item in value.arrayValue ?? [value] where !item.isNull {
                out.append(Data("--\(boundary)\r\n".utf8))
                if let file = try file(item, callName: callName) {
                    let filename = file.filename ?? name
                    out.append(Data("Content-Disposition: form-data; name=\"\(quoted(name))\"; filename=\"\(quoted(filename))\"\r\n".utf8))
                    let partType = file.contentType.flatMap { OpenAPIRequestBuilder.isHeaderValue($0) ? $0 : nil } ?? "application/octet-stream"
                    out.append(Data("Content-Type: \(partType)\r\n\r\n".utf8))
                    out.append(file.data)
                } else if case .object = item {
                    out.append(Data("Content-Disposition: form-data; name=\"\(quoted(name))\"\r\nContent-Type: application/json\r\n\r\n".utf8))
                    out.append(Data(item.jsonString().utf8))
                } else {
                    out.append(Data("Content-Disposition: form-data; name=\"\(quoted(name))\"\r\n\r\n".utf8))
                    out.append(Data(ParameterSerializer.text(item).utf8))
                }
                out.append(Data("\r\n".utf8))
            }
        }
        out.append(Data("--\(boundary)--\r\n".utf8))
        return out
    }
}
