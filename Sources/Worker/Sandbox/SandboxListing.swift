import JunctionCore

/// What an `execute` run shows of `codemode` itself: `Object.keys(codemode)`, `for…in`
/// and `console.log(codemode)`. The open `codemode` answers any name, so it has no shape
/// of its own; this gives it the user's call names when there are few enough to read,
/// and otherwise makes it say how to find them (`codemode.catalog`), never an empty list.
package struct SandboxListing: Sendable, Equatable {
    /// Catalogs up to this size are listed; larger ones point to `codemode.catalog`.
    package static let limit = 300

    /// The call names, in order; empty when there are more than `limit`.
    package var names: [String]
    /// How many functions the run can call.
    package var total: Int

    package init(allNames: [String]) {
        total = allNames.count
        names = allNames.count <= Self.limit ? allNames : []
    }

    /// Whether `code` may look at `codemode` as a whole (it uses the name other than to
    /// reach a member: `Object.keys(codemode)`, `console.log(codemode)`, `const api =
    /// codemode`, …). Only then are the names looked up: most runs just call functions.
    /// (Code that enumerates it under another name gets a message pointing to
    /// `codemode.catalog` instead of the names.)
    package static func wanted(by code: String) -> Bool {
        code.contains(usedAsValue)
    }

    // Simple word boundaries: the default (Unicode) ones do not break `globalThis.codemode`.
    nonisolated(unsafe) private static let usedAsValue = /\bcodemode\b(?!\s*(?:\?\.|\.|\[))/.wordBoundaryKind(.simple)

    /// The form the sandbox host takes in a run message.
    package var json: JSONValue {
        ["names": .array(names.map { .string($0) }), "total": .number(Double(total))]
    }
}
