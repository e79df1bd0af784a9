import Foundation

/// Where a source's secret goes on an outbound request. Built on the host only; the
/// sandbox never sees it. Callers add it after everything the caller supplied, so it
/// replaces same-named headers or query parameters instead of joining them.
package struct Credential: Sendable {
    package var type: SourceAuthType
    /// Header name (`header`) or query parameter name (`query`).
    package var name: String?
    package var secret: String

    package init(type: SourceAuthType, name: String?, secret: String) {
        self.type = type
        self.name = name
        self.secret = secret
    }

    /// The headers this credential adds.
    package var headers: [(String, String)] {
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

/// Percent-encoding shared by query strings, form bodies and path segments.
package enum QueryEncoding {
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Encodes everything but RFC 3986 unreserved characters.
    package static func component(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }
}
