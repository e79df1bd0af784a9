import Catalog

/// Which call name each operation of a source gets when its catalog is replaced. Call
/// names are unique per owner and stay the same across refreshes: a model's code keeps
/// working after a refresh, and a new operation never takes over a name already in use.
package enum CallNameAssignment {
    /// Operation key → call name for `drafts`. Operations named before (`previous`,
    /// operation key → call name) keep their name first, unless another source holds it
    /// (`taken`); the others, in operation-key order so the outcome is deterministic, get
    /// `CallName.base` of the source's `slug`, then `_2`, `_3` … until the name is free.
    package static func assign(drafts: [CatalogEntryDraft], previous: [String: String], taken: Set<String>,
                               slug: String, repeatingSlug: Bool) -> [String: String] {
        var taken = taken
        var assigned: [String: String] = [:]
        for d in drafts {
            if let name = previous[d.operationKey], !taken.contains(name) { assigned[d.operationKey] = name; taken.insert(name) }
        }
        for d in drafts.sorted(by: { $0.operationKey < $1.operationKey }) where assigned[d.operationKey] == nil {
            let base = CallName.base(slug: slug, hint: d.nameHint, repeatingSlug: repeatingSlug)
            var name = base
            var n = 2
            while taken.contains(name) { name = "\(base)_\(n)"; n += 1 }
            taken.insert(name)
            assigned[d.operationKey] = name
        }
        return assigned
    }
}
