import Catalog
import Foundation
import Hummingbird
import Store

/// `/catalog`: search across enabled entries with the ranking of `codemode.catalog`,
/// showing each function's call name and TypeScript signature. Works as a plain GET form;
/// the script turns it into search-as-you-type over `GET /api/v1/catalog`.
struct CatalogPage {
    let database: any JunctionStore
    let session: WebSession
    let query: String
    let source: String?

    func render() async throws -> Response {
        let sources = try await database.sources(owner: session.user.id).filter(\.enabled)
        let hits = try await database.searchCatalog(owner: session.user.id, query: CatalogSearch.pageQuery(text: query, source: source))
        let options = HTML.join(sources.map { s in
            let selected: HTML = s.slug == source ? " selected" : ""
            return "<option value=\"\(s.slug)\"\(selected)>\(s.name) (\(s.slug))</option>"
        })
        let count = hits.isEmpty ? "No matches" + (query.isEmpty ? "" : " for “\(query)”") : "\(hits.count) \(hits.count == 1 ? "match" : "matches")"
        let main: HTML = """
            <div class="page-head"><h1>Catalog</h1></div>
            <p class="muted">What a model finds with <code>codemode.catalog(query)</code>: ranked by title, operation id, path, parameters, tags and description, with word forms, synonyms and what each HTTP method does understood.</p>
            <section class="panel" aria-label="Search the catalog">
              <form id="catalog-form" class="searchbar" method="get" action="/catalog" role="search">
                <div class="field">
                  <label for="catalog-q">Search</label>
                  <input id="catalog-q" name="q" type="search" value="\(query)" placeholder="e.g. list pets, create issue, status code" autocomplete="off">
                </div>
                <div class="field narrow">
                  <label for="catalog-source">Source</label>
                  <select id="catalog-source" name="source"><option value="">All sources</option>\(options)</select>
                </div>
                <button type="submit" class="btn btn-primary">Search</button>
              </form>
            </section>
            <section class="panel" aria-labelledby="hit-count">
              <h2 id="hit-count" aria-live="polite">\(count)</h2>
              <ul id="hits" class="hits">\(HTML.join(hits.map(Self.hit)))</ul>
            </section>
            """
        return Layout.page(title: "Catalog", section: .catalog, session: session, main: main)
    }

    static func hit(_ h: CatalogHit) -> HTML {
        let method: HTML = h.method.map { "<span class=\"method\">\($0.uppercased())</span>" } ?? ""
        let path: HTML = h.path.map { "<code class=\"small muted\">\($0)</code>" } ?? ""
        let title: HTML = h.title.isEmpty ? "" : "<div>\(h.title)</div>"
        let description: HTML = h.description.isEmpty || h.description == h.title ? "" : "<p class=\"small muted\">\(String(h.description.prefix(300)))</p>"
        let matched: HTML = h.matched.isEmpty ? "" : "<p class=\"small muted\">matched: \(h.matched.joined(separator: ", "))</p>"
        return """
            <li class="hit">
              <div class="hit-head"><code class="hit-name">\(h.callName)</code>\(method)\(path)<span class="badge badge-off">\(h.source)</span></div>
              \(title)
              <pre class="hit-sig"><code>\(h.signature)</code></pre>
              \(description)
              \(matched)
            </li>
            """
    }
}
