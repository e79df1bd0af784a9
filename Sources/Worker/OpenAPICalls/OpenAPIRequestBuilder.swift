import Foundation
import JunctionCore
import SourceAccess
import Upstream

/// Builds the HTTP request for one operation from a sandbox call's
/// `{params, query, headers, cookies, body, contentType}` and the operation's stored
/// details (method, path, parameter styles, content types). Pure: no I/O, so every
/// serialisation rule is tested on its own. The credential is applied last.
package struct OpenAPIRequestBuilder: Sendable {
    package var callName: String
    package var details: JSONValue
    package var baseURL: String

    package init(callName: String, details: JSONValue, baseURL: String) {
        self.callName = callName
        self.details = details
        self.baseURL = baseURL
    }

    /// Headers the caller may not set: they belong to the HTTP connection itself.
    static let connectionHeaders: Set<String> = ["host", "content-length", "transfer-encoding", "connection", "upgrade",
                                                 "keep-alive", "te", "trailer", "proxy-authorization", "proxy-connection"]

    package func build(args: JSONValue, credential: Credential?, boundary: String = "junction-\(UUID().uuidString)") throws -> OpenAPIRequest {
        if !args.isNull && args.objectValue == nil {
            throw JunctionError.badRequest("\(callName) takes one object argument like { params, query, headers, body }")
        }
        guard let method = details["method"]?.stringValue, let path = details["path"]?.stringValue else {
            throw JunctionError("catalog_corrupt", "\(callName) has no method or path")
        }
        for part in ["params", "query", "headers", "cookies"] {
            if let v = args[part], !v.isNull, v.objectValue == nil {
                throw JunctionError.badRequest("\(callName): \(part) must be an object of name → value")
            }
        }
        let params = args["params"]?.objectValue ?? [:]
        let query = args["query"]?.objectValue ?? [:]
        let callerHeaders = args["headers"]?.objectValue ?? [:]
        let cookies = args["cookies"]?.objectValue ?? [:]
        var declared: [String: JSONValue] = [:]
        for p in details["parameters"]?.arrayValue ?? [] {
            if let name = p["name"]?.stringValue, let loc = p["in"]?.stringValue, declared["\(loc):\(name)"] == nil {
                declared["\(loc):\(name)"] = p
            }
        }

        let renderedPath = try renderPath(path, params: params, declared: declared)
        var queryItems: [String] = []
        for key in query.keys.sorted() {
            queryItems += ParameterSerializer.query(name: key, value: query[key]!, detail: declared["query:\(key)"])
        }

        var headers: [(String, String)] = []
        for (name, value) in callerHeaders.sorted(by: { $0.key < $1.key }) where !value.isNull {
            guard Self.isToken(name) else { throw JunctionError.badRequest("\(callName): \"\(name)\" is not a valid header name") }
            if Self.connectionHeaders.contains(name.lowercased()) { continue }
            let text = ParameterSerializer.simple(value, explode: declared["header:\(name)"]?["explode"]?.boolValue ?? false)
            guard Self.isHeaderValue(text) else { throw JunctionError.badRequest("\(callName): the value of header \(name) contains control characters") }
            headers.append((name, text))
        }
        if !cookies.isEmpty {
            var pairs: [String] = []
            for name in cookies.keys.sorted() where !(cookies[name]!.isNull) {
                guard Self.isToken(name) else { throw JunctionError.badRequest("\(callName): \"\(name)\" is not a valid cookie name") }
                pairs.append("\(name)=\(QueryEncoding.component(ParameterSerializer.simple(cookies[name]!, explode: false)))")
            }
            headers.removeAll { $0.0.lowercased() == "cookie" }
            if !pairs.isEmpty { headers.append(("Cookie", pairs.joined(separator: "; "))) }
        }

        var body: Data?
        if let bodyValue = args["body"], !bodyValue.isNull {
            let declaredTypes = details["contentTypes"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let fallback = bodyValue.stringValue != nil && declaredTypes.isEmpty ? "text/plain; charset=utf-8"
                : (bodyValue["base64"]?.stringValue != nil && declaredTypes.isEmpty ? (bodyValue["contentType"]?.stringValue ?? "application/octet-stream") : "application/json")
            var contentType = args["contentType"]?.stringValue ?? declaredTypes.first ?? fallback
            guard Self.isHeaderValue(contentType) else { throw JunctionError.badRequest("\(callName): contentType contains control characters") }
            (body, contentType) = try BodyEncoder.encode(bodyValue, contentType: contentType, boundary: boundary, callName: callName)
            headers.removeAll { $0.0.lowercased() == "content-type" }
            headers.append(("Content-Type", contentType))
        }

        var urlText = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        urlText += renderedPath.hasPrefix("/") ? renderedPath : "/" + renderedPath
        if !queryItems.isEmpty { urlText += (urlText.contains("?") ? "&" : "?") + queryItems.joined(separator: "&") }
        guard var url = URL(string: urlText), url.host != nil else {
            throw JunctionError.badRequest("\(callName): cannot build a URL from \(urlText)")
        }

        // The credential goes last and replaces whatever the caller set under its name,
        // and only to the origin it was entered for: a spec's servers elsewhere never get it.
        var sensitive: Set<String> = []
        if let credential {
            try credential.check(url, subject: "\(callName): its source's secret")
            let added = credential.headers
            let names = Set(added.map { $0.0.lowercased() })
            headers.removeAll { names.contains($0.0.lowercased()) }
            headers += added
            sensitive = credential.sensitiveHeaders
            if let item = credential.queryItem { url = Credential.appending(item, to: url) }
        }
        return OpenAPIRequest(method: method, url: url, headers: headers, body: body, sensitiveHeaders: sensitive)
    }

    /// Substitutes `{name}` placeholders; every value is encoded so it stays inside its segment.
    private func renderPath(_ path: String, params: [String: JSONValue], declared: [String: JSONValue]) throws -> String {
        var rendered = ""
        var rest = Substring(path)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            rendered += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            guard let value = params[name], !value.isNull else {
                throw JunctionError.badRequest("\(callName) needs path parameter params.\(name)")
            }
            rendered += ParameterSerializer.path(name: name, value: value, detail: declared["path:\(name)"])
            rest = rest[rest.index(after: close)...]
        }
        return rendered + rest
    }

    static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 256 && name.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "!#$%&'*+-.^_`|~".unicodeScalars.contains($0))
        }
    }

    static func isHeaderValue(_ value: String) -> Bool {
        !value.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }
    }
}
