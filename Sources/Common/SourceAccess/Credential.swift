import Foundation
import JunctionCore
import Store
import Upstream

/// Where a source's secret goes on an outbound request, and the one origin it may go to.
/// Built on the host only; the sandbox never sees it. Callers add it after everything the
/// caller supplied, so it replaces same-named headers or query parameters instead of
/// joining them, and only to a request on `origin` (`check(_:)`).
package struct Credential: Sendable {
    package var type: SourceAuthType
    /// Header name (`header`) or query parameter name (`query`).
    package var name: String?
    package var secret: String
    /// The origin the user entered the secret for (sealed together with it).
    package var origin: Origin

    package init(type: SourceAuthType, name: String?, secret: String, origin: Origin) {
        self.type = type
        self.name = name
        self.secret = secret
        self.origin = origin
    }

    /// Whether the credential may go along with a request to `url`.
    package func applies(to url: URL) -> Bool { Origin(url) == origin }

    /// Throws `secret_origin_mismatch` unless the credential may go to `url`; `subject`
    /// names it in the message ("the secret of source github").
    package func check(_ url: URL, subject: String) throws {
        guard !applies(to: url) else { return }
        throw Self.mismatch(subject: subject, bound: origin, url: url)
    }

    /// The error for a request that would carry a secret bound to `bound` to `url`.
    package static func mismatch(subject: String, bound: Origin, url: URL) -> UpstreamError {
        let target = Origin(url).map(\.description) ?? OutboundPolicy.redacted(url)
        return UpstreamError.secretOriginMismatch("\(subject) was entered for \(bound) and is sent only there; this request goes to \(target), "
                             + "so Junction did not send it. Set the source's baseUrl to the API's URL, or enter the secret "
                             + "again with auth.origin \(target) if that server is meant to receive it")
    }

    /// The headers this credential adds.
    package var headers: [(String, String)] { Self.headers(type: type, name: name, secret: secret) }

    /// The headers a secret of auth `type` travels in (header name `name` for `header`).
    package static func headers(type: SourceAuthType, name: String?, secret: String) -> [(String, String)] {
        switch type {
        case .bearer: return [("Authorization", "Bearer \(secret)")]
        case .basic: return [("Authorization", "Basic \(Data(secret.utf8).base64EncodedString())")]
        case .header: return [(name ?? "X-Api-Key", secret)]
        default: return []
        }
    }

    /// Lower-cased names of the headers that carry the secret (dropped on cross-origin redirects).
    package var sensitiveHeaders: Set<String> { Set(headers.map { $0.0.lowercased() }) }

    /// The query parameter this credential adds (`query` auth).
    package var queryItem: (name: String, value: String)? {
        guard type == .query else { return nil }
        return (name ?? "api_key", secret)
    }

    /// `url` with `item` appended to its query, replacing any parameter of that name.
    package static func appending(_ item: (name: String, value: String), to url: URL) -> URL {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url }
        var items = (components.percentEncodedQueryItems ?? []).filter { ($0.name.removingPercentEncoding ?? $0.name) != item.name }
        items.append(URLQueryItem(name: QueryEncoding.component(item.name), value: QueryEncoding.component(item.value)))
        components.percentEncodedQueryItems = items
        return components.url ?? url
    }
}
