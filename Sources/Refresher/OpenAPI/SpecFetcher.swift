import Common
import Foundation

/// Downloads an OpenAPI document through the outbound policy, with a size cap.
struct SpecFetcher: Sendable {
    let http: UpstreamHTTP
    let maxBytes: Int
    let timeout: Duration

    /// Fetches `source.specUrl`. The source's credential goes along only when the spec
    /// lives on the same origin as the API itself.
    func fetch(source: Source, secret: String?) async throws -> (Data, URL) {
        guard let specText = source.specUrl, let url = URL(string: specText), url.scheme != nil else {
            throw JunctionError.badRequest("source \(source.slug) has no valid specUrl")
        }
        var headers: [(String, String)] = [("Accept", "application/json, application/yaml, text/yaml, */*")]
        if let secret, let base = source.baseUrl.flatMap(URL.init(string:)), UpstreamHTTP.origin(base) == UpstreamHTTP.origin(url) {
            switch source.authType {
            case .bearer: headers.append(("Authorization", "Bearer \(secret)"))
            case .header: headers.append((source.authHeaderName ?? "X-Api-Key", secret))
            case .none: break
            }
        }
        let response = try await http.send(method: "GET", url: url, headers: headers, maxBytes: maxBytes, timeout: timeout,
                                           sensitiveHeaders: Set(headers.map { $0.0.lowercased() }).subtracting(["accept"]))
        guard (200..<300).contains(response.status) else {
            throw JunctionError("spec_fetch_failed", "fetching the spec from \(url.absoluteString) returned HTTP \(response.status)", status: 502)
        }
        return (response.body, response.url)
    }
}
