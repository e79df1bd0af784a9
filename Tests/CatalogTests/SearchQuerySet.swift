import Catalog
import Foundation
import GRDB
import JunctionCore
import Secrets
import Store
import TestSupport

/// The public search query set (Tests/Fixtures/search/queries.json) over the real reference
/// specs and the real MCP tool lists, indexed through the real indexers into a real SQLite
/// store, and the measures of a ranking over it: hit@1, hit@5 and MRR (over the top 10).
struct SearchQuerySet {
    struct Query: Decodable {
        var query: String
        var kind: String
        /// `"slug KEY"` (an operation key: `GET /path`, or an MCP tool name) or `"slug ~REGEX"`.
        var want: [String]

        func wants(_ key: String) -> Bool {
            want.contains { w in
                let (slug, rest) = (w.prefix { $0 != " " }, w.drop { $0 != " " }.dropFirst())
                guard key.hasPrefix(slug + " ") else { return false }
                let op = String(key.dropFirst(slug.count + 1))
                if rest.hasPrefix("~") { return op.wholeMatch(of: try! Regex(String(rest.dropFirst()))) != nil }
                return op == rest
            }
        }

        var source: String { String(want[0].prefix { $0 != " " }) }
    }

    /// The measures of one ranking.
    struct Measures: Codable {
        var queries = 0
        var hit1 = 0
        var hit5 = 0
        var reciprocalRanks = 0.0
        var hitAt1: Double { queries == 0 ? 0 : Double(hit1) / Double(queries) }
        var hitAt5: Double { queries == 0 ? 0 : Double(hit5) / Double(queries) }
        var mrr: Double { queries == 0 ? 0 : reciprocalRanks / Double(queries) }

        mutating func add(rank: Int?) {
            queries += 1
            if rank == 1 { hit1 += 1 }
            if let rank, rank <= 5 { hit5 += 1 }
            if let rank { reciprocalRanks += 1 / Double(rank) }
        }

        var line: String {
            String(format: "hit@1 %5.1f%% (%d/%d)  hit@5 %5.1f%% (%d/%d)  MRR %.3f", hitAt1 * 100, hit1, queries, hitAt5 * 100, hit5, queries, mrr)
        }
    }

    struct Outcome {
        var query: Query
        /// 1-based rank of the first wanted operation in the top 10.
        var rank: Int?
        var top: [String]
    }

    static let fixtures = TestEnvironment.repoRoot.appendingPathComponent("Tests/Fixtures/search")
    static let specs = TestEnvironment.repoRoot.deletingLastPathComponent().appendingPathComponent("shared/reference/openapi")
    static let openAPISources = [("gitea", "gitea.swagger.json"), ("docker", "docker-engine.swagger.yaml"),
                                 ("airflow", "airflow-v2.openapi31.yaml"), ("k8s", "kubernetes.swagger.json"),
                                 ("httpbin", "httpbin.swagger.json")]

    let db: SQLiteStore
    let owner: String
    let queries: [Query]
    /// call name → "slug operationKey"
    let keys: [String: String]

    /// Indexes every source of the query set into a fresh store at `path`.
    init(path: String) throws {
        db = try SQLiteStore(path: path)
        let box = SecretBox(keyring: .random())
        owner = try db.userCreatingIfNeeded(email: "search-bench@example.com").id
        for (slug, file) in Self.openAPISources {
            let source = try db.createSource(owner: owner, draft: SourceDraft(slug: slug, type: .openapi, name: slug, baseUrl: "https://\(slug).example",
                                                                               specUrl: "https://\(slug).example/spec"), box: box)
            let data = try Data(contentsOf: Self.specs.appendingPathComponent(file))
            let index = try OpenAPIIndexer().index(try OpenAPIDocument(data: data), specURL: URL(string: "https://\(slug).example/spec"))
            try db.replaceCatalog(owner: owner, sourceID: source.id, drafts: index.drafts)
        }
        let tools = try JSONValue.parse(String(decoding: try Data(contentsOf: Self.fixtures.appendingPathComponent("mcp-tools.json")), as: UTF8.self))
        for slug in ["time", "git"] {
            let source = try db.createSource(owner: owner, draft: SourceDraft(slug: slug, type: .mcp, name: slug, baseUrl: "https://\(slug).example/mcp",
                                                                               specUrl: nil), box: box)
            try db.replaceCatalog(owner: owner, sourceID: source.id, drafts: MCPToolIndexer.drafts(tools[slug]?["tools"]?.arrayValue ?? []))
        }
        queries = try Self.load("queries.json")
        let owner = self.owner
        keys = try db.writer.read { db in
            var keys: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT e.callName, s.slug, e.operationKey FROM catalog_entries e JOIN sources s ON s.id = e.sourceId WHERE e.owner = ?
                """, arguments: [owner]) {
                keys[row[0]] = "\(row[1] as String) \(row[2] as String)"
            }
            return keys
        }
    }

    /// A query file of Tests/Fixtures/search.
    static func load(_ file: String) throws -> [Query] {
        try JSONDecoder().decode([Query].self, from: Data(contentsOf: fixtures.appendingPathComponent(file)))
    }

    /// Junction's ranking: what `codemode.catalog(query)` returns.
    func junction(_ text: String) throws -> [String] {
        try db.searchCatalog(owner: owner, query: CatalogQuery(text: text, limit: 10)).map(\.callName)
    }

    /// Plain BM25 as FTS5 computes it over the same entries — the ranking before issue 13
    /// (the in-memory index then matched it exactly): quoted prefix terms, OR, column
    /// weights 10/5/1/3/2.
    func plainBM25(_ text: String) throws -> [String] {
        let terms = SQLiteStore.ftsTerms(text)
        guard !terms.isEmpty else { return [] }
        return try db.writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT e.callName FROM catalog_fts f JOIN catalog_entries e ON e.id = f.rowid
                WHERE catalog_fts MATCH ? AND e.owner = ? ORDER BY bm25(catalog_fts, 10.0, 5.0, 1.0, 3.0, 2.0), e.callName LIMIT 10
                """, arguments: [terms.joined(separator: " OR "), owner])
        }
    }

    /// The top hits for `text` with scores and matched words, for reading why a query missed.
    func explain(_ text: String, limit: Int = 3) throws -> [String] {
        let owner = self.owner
        let index = try db.writer.read { try SQLiteStore.buildCatalogIndex($0, owner: owner) }
        return index.search(text, limit: limit).map { h in
            String(format: "%.2f %@ %@", h.score, keys[h.document.callName] ?? h.document.callName, h.matched.joined(separator: ","))
        }
    }

    /// Every query through `ranking`, with the measures overall and per source and kind.
    func evaluate(_ queries: [Query]?, _ ranking: (String) throws -> [String]) rethrows -> Evaluation {
        var all = Measures(), bySource: [String: Measures] = [:], byKind: [String: Measures] = [:]
        var outcomes: [Outcome] = []
        for q in queries ?? self.queries {
            let top = try ranking(q.query).map { keys[$0] ?? $0 }
            let rank = top.firstIndex(where: q.wants).map { $0 + 1 }
            all.add(rank: rank)
            bySource[q.source, default: Measures()].add(rank: rank)
            byKind[q.kind, default: Measures()].add(rank: rank)
            outcomes.append(Outcome(query: q, rank: rank, top: top))
        }
        return Evaluation(all: all, bySource: bySource, byKind: byKind, outcomes: outcomes)
    }

    struct Evaluation {
        var all: Measures
        var bySource: [String: Measures]
        var byKind: [String: Measures]
        var outcomes: [Outcome]
    }

    /// Wanted operations that no entry of the store has (a typo in the query set).
    func unknownWants(_ queries: [Query]) -> [String] {
        let all = Array(keys.values)
        return queries.flatMap { q in q.want.filter { w in !all.contains { Query(query: "", kind: "", want: [w]).wants($0) } } }
    }
}
