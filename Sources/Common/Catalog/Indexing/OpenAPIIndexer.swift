import Foundation
import JunctionCore

/// Turns an OpenAPI/Swagger document into catalog entries: one per operation.
package struct OpenAPIIndexer: Sendable {
    package static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// What indexing one document may cost.
    package var limits: IndexLimits

    package init(limits: IndexLimits = .standard) { self.limits = limits }

    /// Every operation of the document. `specURL` resolves relative server URLs. Throws
    /// `invalid_spec` for what makes the document unusable (a `$ref` cycle) and
    /// `spec_too_large` past `limits`; smaller problems become warnings.
    package func index(_ doc: OpenAPIDocument, specURL: URL?) throws -> OpenAPIIndex {
        let budget = IndexBudget(limits: limits)
        let inliner = SchemaInliner(document: doc, budget: budget)
        let rootBase = Self.defaultBaseURL(doc, specURL: specURL)
        var drafts: [CatalogEntryDraft] = []
        var warnings = Warnings()
        let problems = doc.referenceProblems()
        if !problems.external.isEmpty {
            warnings.add("external $ref not followed: " + problems.external.joined(separator: ", "))
        }
        if !problems.unresolved.isEmpty {
            warnings.add("$ref pointing nowhere: " + problems.unresolved.joined(separator: ", "))
        }
        let rootSchemes = doc.root["security"].map { Self.securitySchemes(doc, requirement: $0) } ?? [:]
        let paths = doc.root["paths"]?.objectValue ?? [:]
        let operations = paths.values.reduce(0) { count, item in
            count + Self.methods.count { item[$0]?.objectValue != nil }
        }
        if operations > limits.maxOperations { throw limits.tooManyOperations(operations) }
        for path in paths.keys.sorted() {
            guard let rawItem = paths[path], let item = try inliner.follow(rawItem, what: "path item \(path)").objectValue else { continue }
            let shared = try (item["parameters"]?.arrayValue ?? []).map { try inliner.follow($0, what: "a parameter of \(path)") }
            for method in Self.methods {
                guard let op = item[method]?.objectValue else { continue }
                if drafts.count >= limits.maxOperations { throw limits.tooManyOperations(drafts.count + 1) }
                let servers = op["servers"] ?? item["servers"]
                let base = servers.flatMap { Self.serverURL($0, specURL: specURL) } ?? rootBase
                drafts.append(try draft(doc: doc, inliner: inliner, budget: budget, rootSchemes: rootSchemes, path: path, method: method,
                                        op: op, shared: shared, baseURL: base, warnings: &warnings))
            }
        }
        return OpenAPIIndex(drafts: drafts, warnings: warnings.list, baseURL: rootBase, nodes: budget.used)
    }

    /// The first twenty warnings, and how many more there were: a hostile document can
    /// have a problem in every one of its operations.
    struct Warnings {
        private var kept: [String] = []
        private var more = 0

        var list: [String] { more == 0 ? kept : kept + ["… and \(more) more"] }

        mutating func add(_ text: @autoclosure () -> String) {
            if kept.count < 20 { kept.append(String(text().prefix(2000))) } else { more += 1 }
        }
    }

    private func draft(doc: OpenAPIDocument, inliner: SchemaInliner, budget: IndexBudget, rootSchemes: [String: JSONValue], path: String,
                       method: String, op: [String: JSONValue], shared: [JSONValue], baseURL: String?,
                       warnings: inout Warnings) throws -> CatalogEntryDraft {
        let key = "\(method.uppercased()) \(path)"
        // Operation parameters override path-item parameters with the same name and location.
        var merged: [String: JSONValue] = [:]
        var order: [String] = []
        let own = try (op["parameters"]?.arrayValue ?? []).map { try inliner.follow($0, what: "a parameter of \(key)") }
        for p in shared + own {
            try budget.charge(1)
            guard let name = p["name"]?.stringValue, let loc = p["in"]?.stringValue else {
                if let ref = p["$ref"]?.stringValue { warnings.add("\(key): parameter \(ref) not resolved; skipped") }
                continue
            }
            let key = "\(loc):\(name)"
            if merged[key] == nil { order.append(key) }
            merged[key] = p
        }
        var groups: [String: (props: [String: JSONValue], required: [String])] = [:]
        var parameterDetails: [JSONValue] = []
        var bodySchema: JSONValue?
        var bodyRequired = false
        var contentTypes: [String] = []
        var formFields: [String: JSONValue] = [:]
        var formRequired: [String] = []
        var hasFile = false
        for key in order {
            let p = merged[key]!
            let name = p["name"]!.stringValue!
            let loc = p["in"]!.stringValue!
            let required = p["required"]?.boolValue ?? (loc == "path")
            // OpenAPI 3 lets a parameter carry `content` (a serialised JSON value) instead of a schema.
            let contentEntry = p["content"]?.objectValue?.sorted { $0.key < $1.key }.first
            var schema = try inliner.inline(p["schema"] ?? contentEntry?.value["schema"] ?? Self.swaggerSchema(p))
            if let d = p["description"]?.stringValue, schema["description"] == nil, case .object(var o) = schema {
                try budget.charge(string: d)
                o["description"] = .string(d)
                schema = .object(o)
            }
            if p["deprecated"]?.boolValue == true, case .object(var o) = schema {
                o["deprecated"] = true
                schema = .object(o)
            }
            switch loc {
            case "body":
                bodySchema = try p["schema"].map { try inliner.inline($0) } ?? .object([:])
                bodyRequired = required
            case "formData":
                if p["type"]?.stringValue == "file" {
                    hasFile = true
                    schema = Self.fileSchema(description: p["description"]?.stringValue)
                }
                formFields[name] = schema
                if required { formRequired.append(name) }
            case "path", "query", "header", "cookie":
                let group = ["path": "params", "query": "query", "header": "headers", "cookie": "cookies"][loc]!
                groups[group, default: ([:], [])].props[name] = schema
                if required { groups[group, default: ([:], [])].required.append(name) }
                var detail: [String: JSONValue] = ["name": .string(name), "in": .string(loc)]
                let (style, explode) = Self.serialization(p, location: loc, version: doc.version)
                detail["style"] = .string(style)
                detail["explode"] = .bool(explode)
                if let cf = p["collectionFormat"] { detail["collectionFormat"] = cf }
                if p["allowReserved"]?.boolValue == true { detail["allowReserved"] = true }
                if let contentEntry { detail["contentType"] = .string(contentEntry.key) }
                parameterDetails.append(.object(detail))
            default: continue
            }
        }
        if doc.version == .swagger2 {
            let consumes = (op["consumes"] ?? doc.root["consumes"])?.arrayValue?.compactMap(\.stringValue) ?? []
            if !formFields.isEmpty {
                bodySchema = .object(["type": "object", "properties": .object(formFields),
                                      "required": .array(formRequired.map { .string($0) })])
                bodyRequired = !formRequired.isEmpty
                contentTypes = consumes.filter { $0.contains("form") }
                if hasFile { contentTypes.sort { a, _ in a.hasPrefix("multipart/") } }
                if contentTypes.isEmpty { contentTypes = [hasFile ? "multipart/form-data" : "application/x-www-form-urlencoded"] }
            } else if bodySchema != nil {
                contentTypes = consumes.isEmpty ? ["application/json"] : consumes.sorted { Self.contentRank($0) < Self.contentRank($1) }
            }
        } else if let rawBody = op["requestBody"] {
            let rb = try inliner.follow(rawBody, what: "the request body of \(key)")
            if let content = rb["content"]?.objectValue {
                contentTypes = content.keys.sorted { a, b in Self.contentRank(a) < Self.contentRank(b) || (Self.contentRank(a) == Self.contentRank(b) && a < b) }
                if let first = contentTypes.first {
                    bodySchema = try content[first]?["schema"].map { try inliner.inline($0) } ?? .object([:])
                }
                bodyRequired = rb["required"]?.boolValue ?? false
            } else if let ref = rb["$ref"]?.stringValue {
                warnings.add("\(key): request body \(ref) not resolved")
            }
        }

        var properties: [String: JSONValue] = [:]
        var requiredParts: [String] = []
        for (group, value) in groups {
            var schema: [String: JSONValue] = ["type": "object", "properties": .object(value.props)]
            if !value.required.isEmpty { schema["required"] = .array(value.required.map { .string($0) }); requiredParts.append(group) }
            properties[group] = .object(schema)
        }
        if let bodySchema {
            properties["body"] = bodySchema
            if bodyRequired { requiredParts.append("body") }
            if contentTypes.count > 1 {
                properties["contentType"] = .object(["type": "string", "enum": .array(contentTypes.map { .string($0) })])
            }
        }
        var input: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !requiredParts.isEmpty { input["required"] = .array(requiredParts.sorted().map { .string($0) }) }

        let operationId = op["operationId"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let summary = op["summary"]?.stringValue ?? ""
        let description = op["description"]?.stringValue ?? ""
        var details: [String: JSONValue] = [
            "method": .string(method.uppercased()), "path": .string(path),
            "parameters": .array(parameterDetails), "contentTypes": .array(contentTypes.map { .string($0) }),
        ]
        if let baseURL { details["baseUrl"] = .string(baseURL) }
        if let requirement = op["security"] ?? doc.root["security"] {
            try budget.charge(requirement)  // before looking up each scheme it names
            details["security"] = requirement
            // Most operations inherit the document's requirement: its schemes are looked up once.
            let schemes = op["security"] == nil ? rootSchemes : Self.securitySchemes(doc, requirement: requirement)
            if !schemes.isEmpty { details["securitySchemes"] = .object(schemes) }
        }
        let output = try successSchema(inliner: inliner, op: op, key: key)
        if let type = output.contentType { details["responseContentType"] = .string(type) }
        let tags = (op["tags"]?.arrayValue?.compactMap(\.stringValue) ?? []).prefix(Self.maxTags).map { String($0.prefix(Self.maxTitle)) }
        let title = String((summary.isEmpty ? (operationId ?? key) : summary).prefix(Self.maxTitle))
        let draft = CatalogEntryDraft(
            operationKey: key,
            nameHint: String((operationId ?? "\(method)_\(path)").prefix(Self.maxTitle)),
            kind: .operation,
            title: title,
            description: String(description.prefix(4000)),
            tags: tags,
            method: method.uppercased(), path: path,
            deprecated: op["deprecated"]?.boolValue ?? false,
            inputSchema: .object(input),
            outputSchema: output.schema,
            details: .object(details),
            parameterNames: order.compactMap { merged[$0]?["name"]?.stringValue } + formFields.keys.sorted())
        // The schemas were charged as they were inlined; the rest of what the entry stores here.
        try budget.charge(.object(details))
        try budget.charge(string: draft.title)
        try budget.charge(string: draft.description)
        try budget.charge(string: draft.nameHint)
        try budget.charge(draft.tags.count + draft.parameterNames.count)
        return draft
    }

    /// Longest title and tag kept: the catalog is held in memory by every search.
    static let maxTitle = 300
    /// Most tags kept per operation.
    static let maxTags = 20

    /// The schema of the first success response (200 before 201 … before 2XX, else
    /// `default`) and its media type.
    private func successSchema(inliner: SchemaInliner, op: [String: JSONValue], key: String) throws -> (schema: JSONValue?, contentType: String?) {
        guard let responses = op["responses"]?.objectValue else { return (nil, nil) }
        let code = responses.keys.filter { $0.hasPrefix("2") }.sorted().first ?? (responses["default"] != nil ? "default" : nil)
        guard let code, let raw = responses[code] else { return (nil, nil) }
        let response = try inliner.follow(raw, what: "the \(code) response of \(key)")
        if let schema = response["schema"] { return (try inliner.inline(schema, depth: 3), nil) }
        guard let content = response["content"]?.objectValue else { return (nil, nil) }
        let type = content.keys.sorted { Self.contentRank($0) < Self.contentRank($1) || (Self.contentRank($0) == Self.contentRank($1) && $0 < $1) }.first
        return (try type.flatMap { content[$0]?["schema"] }.map { try inliner.inline($0, depth: 3) }, type)
    }

    /// How a parameter is serialised: OpenAPI 3 `style`/`explode` with their defaults, or
    /// Swagger 2 `collectionFormat` (default csv) mapped onto the same vocabulary.
    static func serialization(_ p: JSONValue, location: String, version: OpenAPIDocument.Version) -> (style: String, explode: Bool) {
        if version == .swagger2 {
            switch p["collectionFormat"]?.stringValue ?? "csv" {
            case "multi": return ("form", true)
            case "ssv": return ("spaceDelimited", false)
            case "pipes": return ("pipeDelimited", false)
            case "tsv": return ("tabDelimited", false)
            default: return (location == "query" || location == "formData" ? "form" : "simple", false)
            }
        }
        let defaultStyle = (location == "query" || location == "cookie") ? "form" : "simple"
        let style = p["style"]?.stringValue ?? defaultStyle
        return (style, p["explode"]?.boolValue ?? (style == "form"))
    }

    /// The definitions of the security schemes an operation's requirement names.
    static func securitySchemes(_ doc: OpenAPIDocument, requirement: JSONValue) -> [String: JSONValue] {
        let defined = (doc.root["components"]?["securitySchemes"] ?? doc.root["securityDefinitions"])?.objectValue ?? [:]
        var out: [String: JSONValue] = [:]
        for alternative in requirement.arrayValue ?? [] {
            for name in alternative.objectValue?.keys ?? [:].keys {
                guard let scheme = defined[name].map(doc.deref) else { continue }
                var kept: [String: JSONValue] = [:]
                for k in ["type", "scheme", "in", "name", "bearerFormat"] { if let v = scheme[k] { kept[k] = v } }
                out[name] = .object(kept)
            }
        }
        return out
    }

    private static func contentRank(_ type: String) -> Int {
        if type.hasPrefix("application/json") { return 0 }
        if type.hasSuffix("+json") { return 1 }
        if type.contains("form") { return 2 }
        return 3
    }

    /// What a file part looks like from the sandbox.
    static func fileSchema(description: String?) -> JSONValue {
        var schema: [String: JSONValue] = [
            "type": "object",
            "properties": ["base64": ["type": "string"], "filename": ["type": "string"], "contentType": ["type": "string"]],
            "required": ["base64"],
        ]
        if let description { schema["description"] = .string(description) }
        return .object(schema)
    }

    /// A Swagger 2.0 non-body parameter carries its schema inline.
    private static func swaggerSchema(_ p: JSONValue) -> JSONValue {
        var schema: [String: JSONValue] = [:]
        for key in ["type", "format", "items", "enum", "default", "minimum", "maximum", "pattern"] {
            if let v = p[key] { schema[key] = v }
        }
        return .object(schema)
    }

    /// The API's base URL from the document itself (`servers`, or Swagger's
    /// `schemes`/`host`/`basePath`), resolved against the spec's own URL when relative.
    package static func defaultBaseURL(_ doc: OpenAPIDocument, specURL: URL?) -> String? {
        switch doc.version {
        case .openapi3:
            if let servers = doc.root["servers"], let url = serverURL(servers, specURL: specURL) { return url }
            return specURL.map { $0.originString }
        case .swagger2:
            let schemes = doc.root["schemes"]?.arrayValue?.compactMap { $0.stringValue?.lowercased() } ?? []
            let scheme = schemes.contains("https") ? "https" : (schemes.first ?? specURL?.scheme ?? "https")
            let basePath = doc.root["basePath"]?.stringValue ?? ""
            let trimmed = basePath == "/" ? "" : (basePath.hasSuffix("/") ? String(basePath.dropLast()) : basePath)
            if let host = doc.root["host"]?.stringValue, !host.isEmpty { return "\(scheme)://\(host)\(trimmed)" }
            return specURL.map { $0.originString + trimmed }
        }
    }

    /// The first server of a `servers` list, variables at their defaults, made absolute.
    static func serverURL(_ servers: JSONValue, specURL: URL?) -> String? {
        guard let first = servers.arrayValue?.first, var server = first["url"]?.stringValue, !server.isEmpty else { return nil }
        for (name, v) in first["variables"]?.objectValue ?? [:] {
            server = server.replacingOccurrences(of: "{\(name)}", with: v["default"]?.stringValue ?? "")
        }
        if let url = URL(string: server), url.scheme != nil { return server }
        guard let specURL, let resolved = URL(string: server, relativeTo: specURL) else { return nil }
        let text = resolved.absoluteString
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }
}
