import Catalog
import Foundation
import JunctionCore
import SourceAccess
import Store
import Upstream

/// Downloads an OpenAPI document through the outbound policy, with a size cap.
struct SpecFetcher: Sendable {
    let http: UpstreamHTTP
    let maxBytes: Int
    let timeout: Duration

    /// Fetches `source.specUrl`. The source's credential goes along only when the spec
    /// lives on the origin the secret is bound to (the API's own).
    func fetch(source: Source, secret: String?) async throws -> (Data, URL) {
        guard let specText = source.specUrl, var url = URL(string: specText), url.scheme != nil else {
            throw JunctionError.badRequest("source \(source.slug) has no valid specUrl")
        }
        var headers: [(String, String)] = [("Accept", "application/json, application/yaml, text/yaml, */*")]
        var sensitive: Set<String> = []
        if let secret, let origin = source.secretBoundOrigin, Origin(url) == origin {
            let credential = Credential(type: source.authType, name: source.authHeaderName, secret: secret, origin: origin)
            headers += credential.headers
            sensitive = credential.sensitiveHeaders
            if let item = credential.queryItem { url = Credential.appending(item, to: url) }
        }
        let response = try await http.send(method: "GET", url: url, headers: headers, maxBytes: maxBytes, timeout: timeout,
                                           sensitiveHeaders: sensitive)
        guard (200..<300).contains(response.status) else {
            throw JunctionError("spec_fetch_failed", "fetching the spec from \(specText) returned HTTP \(response.status)", status: 502)
        }
        return (response.body, response.url)
    }

    /// Refuses a spec whose own servers point where Junction may not connect (a private
    /// address, plain http): the source would otherwise fail on every call.
    static func checkServers(_ index: OpenAPIIndex, policy: OutboundPolicy) async throws {
        var urls = Set(index.drafts.compactMap { $0.details["baseUrl"]?.stringValue })
        if let base = index.baseURL { urls.insert(base) }
        for text in urls.sorted().prefix(10) {
            guard let url = URL(string: text), url.host != nil else {
                throw CatalogError.invalidSpec("the spec's server URL \(text) is not an absolute URL; set baseUrl on the source")
            }
            do {
                try await policy.check(url)
            } catch let error as any CodedError {
                throw CatalogError.invalidSpec("the spec's server \(text) is not reachable from Junction: \(error.message); set baseUrl on the source to override it")
            }
        }
    }
}
