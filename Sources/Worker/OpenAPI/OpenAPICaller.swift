import Common
import Foundation

/// Performs one OpenAPI operation for a sandbox call: builds the HTTP request from the
/// call's `{params, query, headers, cookies, body, contentType}`, applies the source's
/// credential last (so sandbox code can neither override nor read it), and returns
/// `{status, headers, body}`. Non-2xx responses are data, not errors.
package struct OpenAPICaller: Sendable {
    package let http: UpstreamHTTP
    package var maxResponseBytes = 1_000_000
    package var timeout: Duration = .seconds(30)

    package init(http: UpstreamHTTP) { self.http = http }

    /// Response headers worth handing back to code (pagination, rate limits, ids).
    static let keptHeaders: Set<String> = [
        "content-type", "link", "location", "retry-after", "etag", "last-modified", "x-request-id", "request-id",
        "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "ratelimit-limit", "ratelimit-remaining",
        "ratelimit-reset", "x-total-count", "x-next-page", "x-page",
    ]

    package func call(entry: CatalogEntry, source: Source, secret: String?, args: JSONValue) async throws -> JSONValue {
        if !args.isNull && args.objectValue == nil {
            throw JunctionError.badRequest("\(entry.callName) takes one object argument like { params, query, headers, body }")
        }
        let details = (try? JSONValue.parse(entry.details)) ?? .object([:])
        guard let method = details["method"]?.stringValue, let path = details["path"]?.stringValue else {
            throw JunctionError("catalog_corrupt", "\(entry.callName) has no method or path")
        }
        guard let base = source.baseUrl ?? details["baseUrl"]?.stringValue else {
            throw JunctionError.badRequest("source \(source.slug) has no base URL; set baseUrl on the source")
        }
        let params = args["params"]?.objectValue ?? [:]
        let query = args["query"]?.objectValue ?? [:]
        var callerHeaders = args["headers"]?.objectValue ?? [:]
        let cookies = args["cookies"]?.objectValue ?? [:]

        let parameterStyles = Dictionary((details["parameters"]?.arrayValue ?? []).compactMap { p -> (String, JSONValue)? in
            guard let name = p["name"]?.stringValue, let loc = p["in"]?.stringValue else { return nil }
            return ("\(loc):\(name)", p)
        }, uniquingKeysWith: { a, _ in a })

        var renderedPath = ""
        var rest = Substring(path)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            renderedPath += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            guard let value = params[name], !value.isNull else {
                throw JunctionError.badRequest("\(entry.callName) needs path parameter params.\(name)")
            }
            renderedPath += Self.encodeSegment(Self.scalarText(value))
            rest = rest[rest.index(after: close)...]
        }
        renderedPath += rest

        var queryItems: [String] = []
        for key in query.keys.sorted() {
            let value = query[key]!
            let style = parameterStyles["query:\(key)"]
            queryItems += Self.serializeQuery(name: key, value: value, style: style)
        }
        var urlText = base.hasSuffix("/") ? String(base.dropLast()) : base
        urlText += renderedPath.hasPrefix("/") ? renderedPath : "/" + renderedPath
        if !queryItems.isEmpty { urlText += "?" + queryItems.joined(separator: "&") }

        var headers: [(String, String)] = []
        for (name, value) in callerHeaders.sorted(by: { $0.key < $1.key }) {
            let lower = name.lowercased()
            if ["host", "content-length", "transfer-encoding", "connection"].contains(lower) { continue }
            headers.append((name, Self.scalarText(value)))
        }
        callerHeaders.removeAll()
        if !cookies.isEmpty {
            headers.append(("Cookie", cookies.keys.sorted().map { "\($0)=\(Self.encodeSegment(Self.scalarText(cookies[$0]!)))" }.joined(separator: "; ")))
        }

        var body: Data?
        if let bodyValue = args["body"], !bodyValue.isNull {
            let declared = details["contentTypes"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let contentType = args["contentType"]?.stringValue ?? declared.first ?? "application/json"
            headers.removeAll { $0.0.lowercased() == "content-type" }
            headers.append(("Content-Type", contentType))
            if contentType.contains("x-www-form-urlencoded") {
                let fields = bodyValue.objectValue ?? [:]
                body = Data(fields.keys.sorted().map { "\(Self.encodeQuery($0))=\(Self.encodeQuery(Self.scalarText(fields[$0]!)))" }.joined(separator: "&").utf8)
            } else if contentType.hasPrefix("text/"), let s = bodyValue.stringValue {
                body = Data(s.utf8)
            } else {
                body = Data(bodyValue.jsonString().utf8)
            }
        }

        // The credential goes last and replaces any same-named header the code set.
        var sensitive: Set<String> = []
        if let secret {
            switch source.authType {
            case .bearer:
                headers.removeAll { $0.0.lowercased() == "authorization" }
                headers.append(("Authorization", "Bearer \(secret)"))
                sensitive.insert("authorization")
            case .header:
                let name = source.authHeaderName ?? "X-Api-Key"
                headers.removeAll { $0.0.lowercased() == name.lowercased() }
                headers.append((name, secret))
                sensitive.insert(name.lowercased())
            case .none:
                break
            }
        }

        guard let url = URL(string: urlText) else { throw JunctionError.badRequest("\(entry.callName): cannot build a URL from \(urlText)") }
        let response = try await http.send(method: method, url: url, headers: headers, body: body,
                                           maxBytes: maxResponseBytes, timeout: timeout, sensitiveHeaders: sensitive)
        var kept: [String: JSONValue] = [:]
        for (name, value) in response.headers where Self.keptHeaders.contains(name.lowercased()) {
            kept[name.lowercased()] = .string(value)
        }
        return ["status": .number(Double(response.status)), "headers": .object(kept), "body": Self.decodeBody(response)]
    }

    static func decodeBody(_ response: UpstreamResponse) -> JSONValue {
        if response.body.isEmpty { return .null }
        let type = response.header("content-type")?.lowercased() ?? ""
        if type.contains("json"), let value = try? JSONValue.parse(response.body) { return value }
        if type.hasPrefix("text/") || type.contains("xml") || type.contains("javascript") || type.isEmpty,
           let text = String(data: response.body, encoding: .utf8) {
            return .string(text)
        }
        return ["base64": .string(response.body.base64EncodedString()), "contentType": .string(type)]
    }

    static func scalarText(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .null: return ""
        default: return value.jsonString()
        }
    }

    static func serializeQuery(name: String, value: JSONValue, style: JSONValue?) -> [String] {
        let key = encodeQuery(name)
        switch value {
        case .array(let items):
            let explode = style?["explode"]?.boolValue ?? (style?["collectionFormat"]?.stringValue.map { $0 == "multi" } ?? true)
            if explode { return items.map { "\(key)=\(encodeQuery(scalarText($0)))" } }
            let sep = ["ssv": " ", "tsv": "\t", "pipes": "|"][style?["collectionFormat"]?.stringValue ?? ""] ?? ","
            return ["\(key)=\(encodeQuery(items.map(scalarText).joined(separator: sep)))"]
        case .object(let o):
            if style?["style"]?.stringValue == "deepObject" {
                return o.keys.sorted().map { "\(key)%5B\(encodeQuery($0))%5D=\(encodeQuery(scalarText(o[$0]!)))" }
            }
            return o.keys.sorted().map { "\(encodeQuery($0))=\(encodeQuery(scalarText(o[$0]!)))" }
        case .null:
            return []
        default:
            return ["\(key)=\(encodeQuery(scalarText(value)))"]
        }
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Percent-encodes a path parameter so it can neither add nor remove segments.
    static func encodeSegment(_ s: String) -> String {
        let encoded = s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
        // "." and ".." are unreserved but would walk the path when they are a whole segment.
        if encoded == "." { return "%2E" }
        if encoded == ".." { return "%2E%2E" }
        return encoded
    }

    static func encodeQuery(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }
}
