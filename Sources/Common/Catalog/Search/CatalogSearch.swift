import JunctionCore

/// The one search API over a user's catalog, as every surface shows it: `codemode.catalog`
/// and `codemode.describe` inside `search` and `execute` runs (worker), `GET /api/v1/catalog`
/// and the dashboard's catalog page (frontend). Each surface asks the store for hits with a
/// `CatalogQuery` built here and shapes them here, so the three cannot drift apart.
package enum CatalogSearch {
    /// The helpers runs may call on `codemode` besides the catalog's functions
    /// (`search` runs may call only these).
    package static let helpers = ["catalog", "describe", "spec", "sources"]

    /// How much of a description `codemode.catalog` shows per hit.
    package static let codemodeDescriptionChars = 300

    // MARK: Queries

    /// `codemode.catalog(query)`: a string or `{query, source, type, kind, limit, match}`.
    package static func query(json: JSONValue) throws -> CatalogQuery { try CatalogQuery(json: json) }

    /// `GET /api/v1/catalog?q=&source=&type=&kind=&limit=&match=`, validated like
    /// `codemode.catalog({…})`.
    package static func query(parameters: [String: String]) throws -> CatalogQuery {
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

    /// The dashboard page's search: as many hits as a query may ask for.
    package static func pageQuery(text: String, source: String?) -> CatalogQuery {
        CatalogQuery(text: String(text.prefix(500)), source: source, limit: CatalogQuery.maxLimit)
    }

    // MARK: Results

    /// One hit as `codemode.catalog` returns it (descriptions cut short: a model reads many).
    package static func codemodeHit(_ h: CatalogHit) -> JSONValue {
        ["callName": .string(h.callName), "source": .string(h.source), "kind": .string(h.kind), "title": .string(h.title),
         "description": .string(String(h.description.prefix(codemodeDescriptionChars))), "signature": .string(h.signature),
         "matched": .array(h.matched.map { .string($0) })]
    }

    /// One hit as `GET /api/v1/catalog` returns it (whole description, method and path).
    package static func apiHit(_ h: CatalogHit) -> JSONValue {
        ["callName": .string(h.callName), "source": .string(h.source), "kind": .string(h.kind), "title": .string(h.title),
         "description": .string(h.description), "method": h.method.map { .string($0) } ?? .null,
         "path": h.path.map { .string($0) } ?? .null, "signature": .string(h.signature),
         "matched": .array(h.matched.map { .string($0) })]
    }

    /// The `GET /api/v1/catalog` body.
    package static func apiResults(_ hits: [CatalogHit]) -> JSONValue {
        ["results": .array(hits.map(apiHit)), "count": .number(Double(hits.count))]
    }

    /// The name `codemode.describe(…)` was given: `"name"` or `{name}`.
    package static func describedName(_ args: JSONValue) throws -> String {
        guard let name = args.stringValue ?? args["name"]?.stringValue else {
            throw JunctionError.badRequest("describe takes a call name, e.g. describe(\"github_issues_list\")")
        }
        return name
    }

    /// What `codemode.describe(name)` returns for one function.
    package static func description(callName: String, source: String, kind: String, title: String, description: String,
                                    declaration: String, inputSchema: String, outputSchema: String?, deprecated: Bool,
                                    method: String?, path: String?) -> JSONValue {
        var out: [String: JSONValue] = [
            "callName": .string(callName), "source": .string(source), "kind": .string(kind),
            "title": .string(title), "description": .string(description), "declaration": .string(declaration),
            "input": (try? JSONValue.parse(inputSchema)) ?? .null,
            "output": outputSchema.flatMap { try? JSONValue.parse($0) } ?? .null, "deprecated": .bool(deprecated),
        ]
        if let method { out["method"] = .string(method) }
        if let path { out["path"] = .string(path) }
        return .object(out)
    }

    /// Why a name is not a function, with the nearest names from `pool`.
    package static func unknownName(_ message: String, name: String, pool: [String]) -> JunctionError {
        let near = CallNameSuggester.closest(to: name, in: pool)
        return .notFound(message + (near.isEmpty ? "" : "; did you mean \(near.joined(separator: ", "))?"))
    }
}
