import Foundation
import Hummingbird
import JunctionCore
import Store

/// `GET /api/v1/catalog?q=&source=&type=&kind=&limit=&match=`: the catalog search of
/// `codemode.catalog` (same store query, same ranking) for the dashboard and scripts.
enum CatalogAPI {
    /// The query parameters as a `CatalogQuery`, validated like `codemode.catalog({…})`.
    static func query(_ parameters: [String: String]) throws -> CatalogQuery {
        func text(_ name: String) -> String? { parameters[name].flatMap { $0.isEmpty ? nil : $0 } }
        var object: [String: JSONValue] = ["query": .string(String((text("q") ?? "").prefix(1000)))]
        if let source = text("source") { object["source"] = .string(source) }
        if let type = text("type") { object["type"] = .string(type) }
        if let kind = text("kind") { object["kind"] = .string(kind) }
        if let match = text("match") { object["match"] = .string(match) }
        if let limit = text("limit") {
            guard let n = Int(limit), n >= 1, n <= CatalogQuery.maxLimit else {
                throw JunctionError.badRequest("limit must be a whole number from 1 to \(CatalogQuery.maxLimit)")
            }
            object["limit"] = .number(Double(n))
        }
        return try CatalogQuery(json: .object(object))
    }

    static func render(_ hit: CatalogHit) -> JSONValue {
        ["callName": .string(hit.callName), "source": .string(hit.source), "kind": .string(hit.kind), "title": .string(hit.title),
         "description": .string(hit.description), "method": hit.method.map { .string($0) } ?? .null,
         "path": hit.path.map { .string($0) } ?? .null, "signature": .string(hit.signature),
         "matched": .array(hit.matched.map { .string($0) })]
    }
}

extension SourcesAPI {
    func registerCatalog(on api: RouterGroup<FrontendContext>) {
        api.get("/catalog") { req, ctx in
            let user = try ctx.requireIdentity().user
            var fields: [String: String] = [:]
            for (key, value) in req.uri.queryParameters where fields[String(key)] == nil { fields[String(key)] = String(value) }
            let hits = try await database.searchCatalog(owner: user.id, query: try CatalogAPI.query(fields))
            return JSONResponse.make(["results": .array(hits.map(CatalogAPI.render)), "count": .number(Double(hits.count))])
        }
    }
}
