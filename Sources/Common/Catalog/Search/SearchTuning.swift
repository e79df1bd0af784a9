/// The numbers of the catalog ranking, in one place: BM25F field weights and length
/// normalisation, and how much each kind of evidence counts. The defaults were chosen on
/// the public query set (Tests/Fixtures/search) as whole-ranking settings, never per query.
package struct SearchTuning: Sendable, Equatable {
    /// How much a term counts in each `CatalogSearchIndex.Field` (BM25F weights).
    package var fieldWeights: [Double] = [2.0, 3.0, 1.0, 1.0, 0.6, 1.5, 2.0, 1.5]
    /// How strongly each field's length normalises its counts (BM25F `b`).
    package var fieldB: [Double] = [0.5, 0.5, 0.75, 0.5, 0.5, 0.5, 0, 0]
    /// Most occurrences of a term a field counts: a long description repeating a word is
    /// not more about it than a title naming it once.
    package var fieldCaps: [Double] = [.infinity, .infinity, 2, .infinity, .infinity, .infinity, .infinity, .infinity]
    /// BM25 term-frequency saturation.
    package var k1 = 1.2
    /// A longer word starting with the query word's stem (`upd` → `update`).
    package var prefixWeight = 0.6
    /// The head noun of the request ("nodes" in "list swarm nodes").
    package var headBoost = 1.5
    /// A noun before the head ("swarm" in "update a swarm service").
    package var modifierBoost = 0.75
    /// A word that only names an aspect ("details", "value").
    package var lightBoost = 0.5
    /// Adjacent words found as one identifier ("pull request" → pullrequest).
    package var compoundBoost = 0.5
    /// What an operation intent counts, in place of a word's rarity (IDF).
    package var intentWeight = 2.0
    /// An entry whose method contradicts the request's verb (a GET for "delete").
    package var intentMismatch = 0.75
    /// An entry whose resource the query never names (`/pods/{name}/exec` for "get a pod").
    package var resourceMismatch = 0.85
    /// A deprecated entry, next to an otherwise equal current one.
    package var deprecated = 0.9

    package init() {}

    package static let `default` = SearchTuning()
}
