import Foundation
import JunctionCore
import SourceAccess
import Store
import Upstream

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
        "content-type", "content-disposition", "link", "location", "retry-after", "etag", "last-modified",
        "x-total-count", "x-total", "x-total-pages", "x-next-page", "x-prev-page", "x-page", "x-per-page",
        "x-next-cursor", "x-continuation-token", "deprecation", "sunset", "warning",
    ]

    /// Whether a response header is one a caller would use.
    static func keeps(_ name: String) -> Bool {
        let n = name.lowercased()
        return keptHeaders.contains(n) || n.hasPrefix("x-ratelimit") || n.hasPrefix("ratelimit") || n.hasPrefix("x-rate-limit")
            || n.contains("request-id") || n.contains("requestid") || n.contains("correlation-id") || n.contains("trace-id")
            || n.hasPrefix("x-pagination")
    }

    package func call(entry: CatalogEntry, source: Source, secret: String?, args: JSONValue) async throws -> JSONValue {
        let details = (try? JSONValue.parse(entry.details)) ?? .object([:])
        guard let base = source.baseUrl ?? details["baseUrl"]?.stringValue else {
            throw JunctionError.badRequest("source \(source.slug) has no base URL; set baseUrl on the source")
        }
        let credential = try secret.map { secret -> Credential in
            // sourceSecret opened it bound to this origin, so a secret always has one.
            guard let origin = source.secretBoundOrigin else { throw StoreError.sourceNeedsSecret(source.slug) }
            return Credential(type: source.authType, name: source.authHeaderName, secret: secret, origin: origin)
        }
        let request = try OpenAPIRequestBuilder(callName: entry.callName, details: details, baseURL: base)
            .build(args: args, credential: credential)
        let response: UpstreamResponse
        do {
            response = try await http.send(method: request.method, url: request.url, headers: request.headers, body: request.body,
                                           maxBytes: maxResponseBytes, timeout: timeout, sensitiveHeaders: request.sensitiveHeaders)
        } catch UpstreamError.tooLarge {
            throw UpstreamError.tooLarge("\(entry.callName): the response is larger than \(maxResponseBytes) bytes "
                + "(JUNCTION_UPSTREAM_MAX_BYTES); ask for less, e.g. with a page size or a filter")
        }
        return Self.render(response, method: request.method)
    }

    /// `{status, headers, body}` as the sandbox sees it.
    static func render(_ response: UpstreamResponse, method: String) -> JSONValue {
        var kept: [String: JSONValue] = [:]
        for (name, value) in response.headers where keeps(name) {
            let key = name.lowercased()
            if let existing = kept[key]?.stringValue { kept[key] = .string(existing + ", " + value) } else { kept[key] = .string(value) }
        }
        return ["status": .number(Double(response.status)), "headers": .object(kept),
                "body": method == "HEAD" ? .null : decodeBody(response)]
    }

    /// JSON parsed, text as text, anything else as `{base64, contentType}`.
    static func decodeBody(_ response: UpstreamResponse) -> JSONValue {
        if response.body.isEmpty { return .null }
        let type = response.header("content-type")?.lowercased() ?? ""
        let mediaType = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        if mediaType.contains("json"), let value = try? JSONValue.parse(response.body) { return value }
        let textual = mediaType.hasPrefix("text/") || mediaType.contains("json") || mediaType.contains("xml")
            || mediaType.contains("javascript") || mediaType.contains("yaml") || mediaType == "application/x-www-form-urlencoded"
        if textual || mediaType.isEmpty, !response.body.contains(0), let text = String(data: response.body, encoding: .utf8) {
            return .string(text)
        }
        return ["base64": .string(response.body.base64EncodedString()), "contentType": .string(type.isEmpty ? "application/octet-stream" : type)]
    }
}
