import JunctionCore

/// What `codemode.catalog(…)` and the dashboard search accept.
package struct CatalogQuery: Sendable, Equatable {
    package static let defaultLimit = 10
    package static let maxLimit = 50

    package var text: String
    package var source: String?
    package var type: String?
    package var kind: String?
    package var limit: Int
    package var matchAll: Bool

    package init(text: String, source: String? = nil, type: String? = nil, kind: String? = nil,
                 limit: Int = CatalogQuery.defaultLimit, matchAll: Bool = false) {
        self.text = text
        self.source = source
        self.type = type
        self.kind = kind
        self.limit = max(1, min(limit, Self.maxLimit))
        self.matchAll = matchAll
    }

    /// From a string or `{query, source, type, kind, limit, match: "any"|"all"}`.
    package init(json: JSONValue) throws {
        if let text = json.stringValue { self.init(text: text); return }
        if json.isNull { self.init(text: ""); return }
        guard json.objectValue != nil else { throw JunctionError.badRequest("catalog() takes a string or { query, source, type, kind, limit, match }") }
        let match = json["match"]?.stringValue ?? "any"
        guard match == "any" || match == "all" else { throw JunctionError.badRequest("match must be \"any\" or \"all\"") }
        if let t = json["type"]?.stringValue, !["openapi", "mcp"].contains(t) { throw JunctionError.badRequest("type must be \"openapi\" or \"mcp\"") }
        if let k = json["kind"]?.stringValue, !["operation", "tool"].contains(k) { throw JunctionError.badRequest("kind must be \"operation\" or \"tool\"") }
        if let l = json["limit"], l.intValue == nil { throw JunctionError.badRequest("limit must be a number (at most \(Self.maxLimit))") }
        self.init(text: json["query"]?.stringValue ?? "", source: json["source"]?.stringValue, type: json["type"]?.stringValue,
                  kind: json["kind"]?.stringValue, limit: json["limit"]?.intValue ?? Self.defaultLimit, matchAll: match == "all")
    }
}
