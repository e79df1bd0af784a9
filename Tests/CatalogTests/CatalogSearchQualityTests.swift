import Catalog
import Foundation
import JunctionCore
import Secrets
import Store
import TestSupport
import XCTest

/// The public query set through the real index, with floors a regression must not cross,
/// and `catalog()`'s own latency at 10,000 entries. `ops/bench/search` runs these with
/// `JUNCTION_SEARCH_REPORT=<file>` and prints the report next to the end-to-end latency.
final class CatalogSearchQualityTests: XCTestCase {
    func testQuerySetMeetsFloors() throws {
        let set = try SearchQuerySet(path: TestEnvironment.temporaryDirectory().appendingPathComponent("junction.sqlite").path)
        let holdout = try SearchQuerySet.load("holdout.json")
        XCTAssertEqual(set.unknownWants(set.queries + holdout), [], "every wanted operation exists in the indexed sources")
        XCTAssertGreaterThanOrEqual(set.queries.count, 150)
        XCTAssertGreaterThanOrEqual(Set(set.queries.map(\.source)).count, 7, "queries over every source")

        let junction = try set.evaluate(set.queries, set.junction)
        let bm25 = try set.evaluate(set.queries, set.plainBM25)
        print("search query set: \(set.queries.count) queries over \(set.keys.count) entries")
        print("  plain BM25 (FTS5) \(bm25.all.line)")
        print("  Junction          \(junction.all.line)")
        // The second set was written mid-tuning and never tuned on: how the ranking generalises.
        let held = try set.evaluate(holdout, set.junction)
        let heldBM25 = try set.evaluate(holdout, set.plainBM25)
        print("second set: \(holdout.count) queries")
        print("  plain BM25 (FTS5) \(heldBM25.all.line)")
        print("  Junction          \(held.all.line)")
        let verbose = ProcessInfo.processInfo.environment["JUNCTION_SEARCH_VERBOSE"] == "1"
        for o in junction.outcomes + (ProcessInfo.processInfo.environment["JUNCTION_SEARCH_VERBOSE_HOLDOUT"] == "1" ? held.outcomes : [])
        where o.rank != 1 && verbose {
            print("  rank \(o.rank.map(String.init) ?? "-"): \(o.query.query)  [\(o.query.want[0])]")
            for line in try set.explain(o.query.query) { print("      \(line)") }
        }
        if let path = ProcessInfo.processInfo.environment["JUNCTION_SEARCH_REPORT"] {
            try Self.report(set: set, junction: junction, bm25: bm25, held: held, heldBM25: heldBM25).write(to: URL(fileURLWithPath: path))
        }

        // Floors a little under what the ranking reaches (hit@1 95.5%, MRR 0.972; second set
        // 88.6%, 98.7%, 0.929), so that a regression fails and a tie broken differently does not.
        XCTAssertEqual(junction.all.hit5, junction.all.queries, "hit@5 = 100%: "
            + junction.outcomes.filter { ($0.rank ?? 99) > 5 }.map(\.query.query).joined(separator: "; "))
        XCTAssertGreaterThanOrEqual(junction.all.hitAt1, 0.93, "hit@1 ≥ 93%")
        XCTAssertGreaterThanOrEqual(junction.all.mrr, 0.95, "MRR ≥ 0.95")
        XCTAssertGreaterThan(junction.all.mrr, bm25.all.mrr, "better than plain BM25 over the same entries")
        XCTAssertGreaterThanOrEqual(held.all.hitAt5, 0.95, "second set hit@5 ≥ 95%")
        XCTAssertGreaterThanOrEqual(held.all.hitAt1, 0.85, "second set hit@1 ≥ 85%")
        XCTAssertGreaterThan(held.all.mrr, heldBM25.all.mrr, "better than plain BM25 on the second set too")
    }

    /// `searchCatalog` in process at 10,000 entries (the catalog `ops/bench/run` measures end
    /// to end) finds something for every query. Its latency is printed and written for
    /// `ops/bench/search`, which reports it against the 5 ms target: speed is a benchmark's
    /// to judge, not a test's on a shared, busy machine (a p99 bound failed here under load).
    func testCatalogAt10kEntriesAnswersEveryQuery() throws {
        let db = try SQLiteStore(path: TestEnvironment.temporaryDirectory().appendingPathComponent("junction.sqlite").path)
        let user = try db.userCreatingIfNeeded(email: "latency@example.com")
        let source = try db.createSource(owner: user.id, draft: SourceDraft(slug: "gen", type: .openapi, name: "G", baseUrl: "https://g.example",
                                                                            specUrl: "https://g.example/spec"), box: SecretBox(keyring: .random()))
        let index = try OpenAPIIndexer().index(try OpenAPIDocument(data: Self.generatedSpec(10_000)), specURL: URL(string: "https://g.example/spec"))
        try db.replaceCatalog(owner: user.id, sourceID: source.id, drafts: index.drafts)
        let queries = ["list pets", "get the user of a project", "create invoice", "delete webhook", "update subscription plan",
                       "comment", "payment customer", "status", "release branch commit", "alert metric dashboard"]
        let clock = ContinuousClock()
        let build = clock.measure { _ = try? db.searchCatalog(owner: user.id, query: CatalogQuery(text: "warm", limit: 10)) }
        var samples: [Double] = []
        for i in 0..<300 {
            var hits: [CatalogHit] = []
            let d = try clock.measure { hits = try db.searchCatalog(owner: user.id, query: CatalogQuery(text: queries[i % queries.count], limit: 10)) }
            XCTAssertFalse(hits.isEmpty, queries[i % queries.count])
            samples.append(Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1000)
        }
        samples.sort()
        let median = samples[samples.count / 2], p99 = samples[Int((Double(samples.count) * 0.99).rounded(.up)) - 1]
        let buildMs = Double(build.components.attoseconds) / 1e15 + Double(build.components.seconds) * 1000
        print(String(format: "catalog() in process, 10000 entries: median %.2f ms, p99 %.2f ms (index built in %.0f ms)", median, p99, buildMs))
        if let path = ProcessInfo.processInfo.environment["JUNCTION_SEARCH_LATENCY_REPORT"] {
            let json: JSONValue = ["entries": 10_000, "median_ms": .number(median), "p99_ms": .number(p99), "build_ms": .number(buildMs)]
            try Data(json.jsonString().utf8).write(to: URL(fileURLWithPath: path))
        }
    }

    private static func report(set: SearchQuerySet, junction: SearchQuerySet.Evaluation, bm25: SearchQuerySet.Evaluation,
                               held: SearchQuerySet.Evaluation, heldBM25: SearchQuerySet.Evaluation) throws -> Data {
        func measures(_ m: SearchQuerySet.Measures) -> JSONValue {
            ["queries": .number(Double(m.queries)), "hit1": .number(m.hitAt1), "hit5": .number(m.hitAt5), "mrr": .number(m.mrr)]
        }
        func ranking(_ r: SearchQuerySet.Evaluation) -> JSONValue {
            .object(["all": measures(r.all), "bySource": .object(r.bySource.mapValues(measures)), "byKind": .object(r.byKind.mapValues(measures)),
                     "misses": .array(r.outcomes.filter { $0.rank != 1 }.map { o in
                         ["query": .string(o.query.query), "want": .string(o.query.want[0]), "rank": o.rank.map { .number(Double($0)) } ?? .null,
                          "top": .array(o.top.prefix(3).map { .string($0) })]
                     })])
        }
        let json: JSONValue = ["queries": .number(Double(set.queries.count)), "entries": .number(Double(set.keys.count)),
                               "junction": ranking(junction), "bm25": ranking(bm25),
                               "second": ["queries": .number(Double(held.all.queries)), "junction": ranking(held), "bm25": ranking(heldBM25)]]
        return Data(json.jsonString().utf8)
    }

    /// The CRUD-shaped spec of ops/bench/bench.py's `generated_spec` (same words, same shape).
    static func generatedSpec(_ operations: Int) throws -> Data {
        let nouns = ("pet user order invoice account project issue comment file folder team member repo branch commit release "
            + "deployment service cluster node volume secret token webhook event alert metric dashboard report payment "
            + "customer product price coupon subscription plan shipment address contact lead ticket article tag label "
            + "role policy group device session message channel").split(separator: " ").map(String.init)
        let verbs = [("list", "get", "List"), ("get", "get", "Get"), ("create", "post", "Create"), ("update", "patch", "Update"), ("delete", "delete", "Delete")]
        var paths: [String: JSONValue] = [:]
        for i in 0..<operations {
            let (verb, method, title) = verbs[i % verbs.count]
            let noun = nouns[(i / 5) % nouns.count], sub = nouns[(i / (5 * nouns.count)) % nouns.count]
            let path = "/v\(i / 250)/\(noun)s/{\(noun)Id}/\(sub)s/\(i)"
            var item = paths[path]?.objectValue ?? [:]
            item[method] = [
                "operationId": .string("\(verb)\(noun.capitalized)\(sub.capitalized)\(i)"),
                "summary": .string("\(title) the \(sub) of a \(noun)"),
                "description": .string("\(title)s \(sub) records that belong to one \(noun). Supports paging and filtering by status."),
                "tags": [.string(noun), .string(sub)],
                "parameters": [["name": .string("\(noun)Id"), "in": "path", "required": true, "schema": ["type": "string"]],
                               ["name": "status", "in": "query", "schema": ["type": "string", "enum": ["open", "closed"]]]],
                "responses": ["200": ["description": "ok"]],
            ]
            paths[path] = .object(item)
        }
        let doc: JSONValue = ["openapi": "3.0.3", "info": ["title": "generated", "version": "1"], "paths": .object(paths)]
        return Data(doc.jsonString().utf8)
    }
}
