import JunctionCore
/// Inlines the local `$ref`s of a document's schemas for catalog entries, and follows
/// `$ref`s of parameters, bodies and responses, charging everything it produces to an
/// `IndexBudget`.
///
/// A reference is inlined up to `depth` levels; deeper, circular, external or over-deep
/// ones stay `{ "$ref": …, "description": "see Name" }` (with the target's `type`, so a
/// signature can still say what it is). Results are remembered per (reference, depth,
/// chain of references above it, nesting): a schema used by many operations, or many times by its
/// parent, is built once and shared (Swift values are copy-on-write), while the budget is
/// still charged its full size each time, since that is what each catalog entry stores.
/// So a `$ref` fan-out fails at the budget in microseconds instead of building it.
final class SchemaInliner {
    /// Nesting beyond which schemas are cut, whatever their references: a stored schema must
    /// parse again (`JSONParser.maxDepth`), and `describe()` returns it inside a tool result,
    /// which the official Python MCP SDK refuses past about 200 levels. The reference specs,
    /// inlined four references deep, never reach it.
    package static let maxNesting = 64

    private let document: OpenAPIDocument
    private let budget: IndexBudget
    private var memo: [Key: Memo] = [:]

    private struct Key: Hashable {
        var ref: String
        var depth: Int
        var chain: [String]
        /// Where the cut for nesting falls depends on it too.
        var nesting: Int
    }

    private struct Memo {
        var value: JSONValue
        var cost: Int
    }

    package init(document: OpenAPIDocument, budget: IndexBudget) {
        self.document = document
        self.budget = budget
    }

    /// `schema` with its local `$ref`s inlined up to `depth` levels.
    package func inline(_ schema: JSONValue, depth: Int = 4) throws -> JSONValue {
        try inline(schema, depth: depth, chain: [], nesting: 0)
    }

    /// Follows `$ref` at the top of a value to what it names. A cycle of references is an
    /// error naming the cycle; an external or missing reference comes back as the `$ref`
    /// object itself, for the caller to report. `what` is built only for the error.
    package func follow(_ value: JSONValue, what: @autoclosure () -> String) throws -> JSONValue {
        var current = value
        var chain: [String] = []
        var seen: Set<String> = []
        while let ref = current["$ref"]?.stringValue {
            try budget.charge(string: ref)
            if !seen.insert(ref).inserted {
                let shown = (chain + [ref]).suffix(12).joined(separator: " -> ")
                throw CatalogError.invalidSpec("\(what()) is a $ref cycle: \(shown)")
            }
            guard let target = document.resolve(pointer: ref) else { return current }
            chain.append(ref)
            current = target
        }
        return current
    }

    private func inline(_ schema: JSONValue, depth: Int, chain: [String], nesting: Int) throws -> JSONValue {
        switch schema {
        case .object(let o):
            if let ref = o["$ref"]?.stringValue {
                return try reference(ref, depth: depth, chain: chain, nesting: nesting)
            }
            try budget.charge(1)
            if nesting >= Self.maxNesting {
                return .object(["description": .string("nested deeper than \(Self.maxNesting) levels; codemode.spec() has the rest")])
            }
            var out: [String: JSONValue] = [:]
            out.reserveCapacity(o.count)
            for (k, v) in o {
                try budget.charge(k.utf8.count / IndexLimits.bytesPerNode)
                if k == "example" || k == "examples" {
                    try budget.charge(v)  // kept as written, shared, but stored with every entry
                    out[k] = v
                } else {
                    out[k] = try inline(v, depth: depth, chain: chain, nesting: nesting + 1)
                }
            }
            return .object(out)
        case .array(let a):
            try budget.charge(1)
            if nesting >= Self.maxNesting { return .array([]) }
            var out: [JSONValue] = []
            out.reserveCapacity(a.count)
            for v in a { out.append(try inline(v, depth: depth, chain: chain, nesting: nesting + 1)) }
            return .array(out)
        case .string(let s):
            try budget.charge(string: s)
            return schema
        default:
            try budget.charge(1)
            return schema
        }
    }

    private func reference(_ ref: String, depth: Int, chain: [String], nesting: Int) throws -> JSONValue {
        try budget.charge(string: ref)  // resolving walks the pointer, however often it is met
        guard ref.hasPrefix("#/") else { return try charged(Self.cut(ref, kind: [:])) }
        guard let target = document.resolve(pointer: ref) else {
            return try charged(.object(["description": .string("unresolved reference \(ref)")]))
        }
        if depth <= 0 || chain.contains(ref) || nesting >= Self.maxNesting {
            return try charged(Self.cut(ref, kind: try kind(of: target)))
        }
        let key = Key(ref: ref, depth: depth, chain: chain, nesting: nesting)
        if let known = memo[key] {
            try budget.charge(known.cost)
            return known.value
        }
        let before = budget.used
        let value = try inline(target, depth: depth - 1, chain: chain + [ref], nesting: nesting)
        memo[key] = Memo(value: value, cost: budget.used - before)
        return value
    }

    private func charged(_ value: JSONValue) throws -> JSONValue {
        try budget.charge(value)
        return value
    }

    /// The schema a reference names, through a few more references.
    private func typed(_ target: JSONValue) throws -> JSONValue {
        var current = target
        for _ in 0..<8 {
            guard let ref = current["$ref"]?.stringValue else { break }
            try budget.charge(string: ref)
            guard let next = document.resolve(pointer: ref) else { break }
            current = next
        }
        return current
    }

    /// What a schema is, reduced to its JSON type(s) (and its items' for an array): enough
    /// for a signature to say `string` or `{…}[]` where the reference was cut. Looks one
    /// level into arrays and unions.
    private func kind(of schema: JSONValue, nested: Bool = false) throws -> [String: JSONValue] {
        let s = try typed(schema)
        if let t = Self.jsonType(of: s) {
            var out: [String: JSONValue] = ["type": .string(t)]
            if t == "array", !nested, let items = s["items"] {
                let inner = try kind(of: items, nested: true)
                if !inner.isEmpty { out["items"] = .object(inner) }
            }
            if s["nullable"]?.boolValue == true { out["nullable"] = true }
            return out
        }
        if !nested, let options = (s["oneOf"] ?? s["anyOf"])?.arrayValue, !options.isEmpty {
            var types: [String] = []
            for option in options.prefix(12) {
                guard let t = try kind(of: option, nested: true)["type"]?.stringValue else { return [:] }
                if !types.contains(t) { types.append(t) }
            }
            return ["type": types.count == 1 ? .string(types[0]) : .array(types.map { .string($0) })]
        }
        switch s["enum"]?.arrayValue?.first {
        case .string?: return ["type": "string"]
        case .number?: return ["type": "number"]
        case .bool?: return ["type": "boolean"]
        default: return [:]
        }
    }

    /// A reference left as a name, with what is known of its type.
    static func cut(_ ref: String, kind: [String: JSONValue]) -> JSONValue {
        let name = ref.split(separator: "/").last.map(String.init) ?? ref
        var out = kind
        out["$ref"] = .string(ref)
        out["description"] = .string("see \(name)")
        return .object(out)
    }

    /// `object`, `array`, `string`, … as a schema states or implies it.
    static func jsonType(of schema: JSONValue) -> String? {
        if let t = schema["type"]?.stringValue { return t }
        if let ts = schema["type"]?.arrayValue?.compactMap(\.stringValue).filter({ $0 != "null" }), ts.count == 1 { return ts[0] }
        if schema["properties"] != nil || schema["additionalProperties"] != nil { return "object" }
        if let parts = schema["allOf"]?.arrayValue, parts.contains(where: { $0["properties"] != nil || $0["$ref"] != nil }) { return "object" }
        if schema["items"] != nil { return "array" }
        return nil
    }
}
