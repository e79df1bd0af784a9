import Catalog
import Foundation
import Hummingbird
import JunctionCore
import Store

/// `GET /api/v1/catalog?q=&source=&type=&kind=&limit=&match=`: the catalog search of
/// `codemode.catalog` (same store query, same ranking) for the dashboard and scripts.
enum CatalogAPI {
    /// The query parameters as a `CatalogQuery`, validated like `codemode.catalog({…})`.
    static func query(_ parameters: [String: String]) throws -> CatalogQuery { try CatalogSearch.query(parameters: parameters) }
}

extension SourcesAPI {
    func registerCatalog(on api: RouterGroup<FrontendContext>) {
        api.get("/catalog") { req, ctx in
            let user = try ctx.requireIdentity().user
            var fields: [String: String] = [:]
            for (key, value) in req.uri.queryParameters where fields[String(key)] == nil { fields[String(key)] = String(value) }
            let hits = try await database.searchCatalog(owner: user.id, query: try CatalogAPI.query(fields))
            return JSONResponse.make(CatalogSearch.apiResults(hits))
        }
    }
}
