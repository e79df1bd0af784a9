import Foundation

/// Turns an OpenAPI/Swagger document into catalog entries: one per operation.
package struct OpenAPIIndexer: Sendable {
    package static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    package init() {}

    /// Every operation of the document. `specURL` resolves relative server URLs.
    package func index(_ doc: OpenAPIDocument, specURL: URL?) -> [CatalogEntryDraft] {
        let baseURL = Self.defaultBaseURL(doc, specURL: specURL)
        var drafts: [CatalogEntryDraft] = []
        let paths = doc.root["paths"]?.objectValue ?? [:]
        for path in paths.keys.sorted() {
            guard let item = paths[path].map(doc.deref)?.objectValue else { continue }
            let shared = (item["parameters"]?.arrayValue ?? []).map(doc.deref)
            for method in Self.methods {
                guard let op = item[method]?.objectValue else { continue }
                drafts.append(draft(doc: doc, path: path, method: method, op: op, shared: shared, baseURL: baseURL))
            }
        }
        return drafts
    }

    private func draft(doc: OpenAPIDocument, path: String, method: String, op: [String: JSONValue],
                       shared: [JSONValue], baseURL: String?) -> CatalogEntryDraft {
        // Operation parameters override path-item parameters with the same name and location.
        var merged: [String: JSONValue] = [:]
        var order: [String] = []
        for p in shared + (op["parameters"]?.arrayValue ?? []).map(doc.deref) {
            guard let name = p["name"]?.stringValue, let loc = p["in"]?.stringValue else { continue }
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
        for key in order {
            let p = merged[key]!
            let name = p["name"]!.stringValue!
            let loc = p["in"]!.stringValue!
            let required = p["required"]?.boolValue ?? (loc == "path")
            var schema = p["schema"].map { doc.inline($0) } ?? Self.swaggerSchema(p)
            if let d = p["description"]?.stringValue, schema["description"] == nil, case .object(var o) = schema {
                o["description"] = .string(d)
                schema = .object(o)
            }
            switch loc {
            case "body":
                bodySchema = p["schema"].map { doc.inline($0) } ?? .object([:])
                bodyRequired = required
            case "formData":
                formFields[name] = schema
                if required { formRequired.append(name) }
            case "path", "query", "header", "cookie":
                let group = ["path": "params", "query": "query", "header": "headers", "cookie": "cookies"][loc]!
                groups[group, default: ([:], [])].props[name] = schema
                if required { groups[group, default: ([:], [])].required.append(name) }
                var detail: [String: JSONValue] = ["name": .string(name), "in": .string(loc)]
                if let style = p["style"] { detail["style"] = style }
                if let explode = p["explode"] { detail["explode"] = explode }
                if let cf = p["collectionFormat"] { detail["collectionFormat"] = cf }
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
                if contentTypes.isEmpty { contentTypes = ["application/x-www-form-urlencoded"] }
            } else if bodySchema != nil {
                contentTypes = consumes.isEmpty ? ["application/json"] : consumes
            }
        } else if let rb = op["requestBody"].map(doc.deref)?.objectValue, let content = rb["content"]?.objectValue {
            contentTypes = content.keys.sorted { a, b in Self.contentRank(a) < Self.contentRank(b) || (Self.contentRank(a) == Self.contentRank(b) && a < b) }
            if let first = contentTypes.first {
                bodySchema = content[first]?["schema"].map { doc.inline($0) } ?? .object([:])
            }
            bodyRequired = rb["required"]?.boolValue ?? false
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

        let operationId = op["operationId"]?.stringValue
        let summary = op["summary"]?.stringValue ?? ""
        let description = op["description"]?.stringValue ?? ""
        var details: [String: JSONValue] = [
            "method": .string(method.uppercased()), "path": .string(path),
            "parameters": .array(parameterDetails), "contentTypes": .array(contentTypes.map { .string($0) }),
        ]
        if let baseURL { details["baseUrl"] = .string(baseURL) }
        let opSecurity = op["security"] ?? doc.root["security"]
        if let opSecurity { details["security"] = opSecurity }
        return CatalogEntryDraft(
            operationKey: "\(method.uppercased()) \(path)",
            nameHint: operationId ?? "\(method)_\(path)",
            kind: .operation,
            title: summary.isEmpty ? (operationId ?? "\(method.uppercased()) \(path)") : summary,
            description: String(description.prefix(4000)),
            tags: op["tags"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            method: method.uppercased(), path: path,
            deprecated: op["deprecated"]?.boolValue ?? false,
            inputSchema: .object(input),
            outputSchema: successSchema(doc: doc, op: op),
            details: .object(details),
            parameterNames: merged.values.compactMap { $0["name"]?.stringValue } + (formFields.keys.sorted()))
    }

    private func successSchema(doc: OpenAPIDocument, op: [String: JSONValue]) -> JSONValue? {
        guard let responses = op["responses"]?.objectValue else { return nil }
        let code = responses.keys.filter { $0.hasPrefix("2") }.sorted().first ?? (responses["default"] != nil ? "default" : nil)
        guard let code, let response = responses[code].map(doc.deref) else { return nil }
        if let schema = response["schema"] { return doc.inline(schema, depth: 3) }
        guard let content = response["content"]?.objectValue else { return nil }
        let type = content.keys.sorted { Self.contentRank($0) < Self.contentRank($1) }.first
        return type.flatMap { content[$0]?["schema"] }.map { doc.inline($0, depth: 3) }
    }

    private static func contentRank(_ type: String) -> Int {
        if type.hasPrefix("application/json") { return 0 }
        if type.hasSuffix("+json") { return 1 }
        if type.contains("form") { return 2 }
        return 3
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
            guard var server = doc.root["servers"]?.arrayValue?.first?["url"]?.stringValue else {
                return specURL.map { UpstreamHTTP.originString($0) }
            }
            // Server variables take their defaults.
            if let vars = doc.root["servers"]?.arrayValue?.first?["variables"]?.objectValue {
                for (name, v) in vars { server = server.replacingOccurrences(of: "{\(name)}", with: v["default"]?.stringValue ?? "") }
            }
            if let url = URL(string: server), url.scheme != nil { return server }
            guard let specURL, let resolved = URL(string: server, relativeTo: specURL) else { return nil }
            return resolved.absoluteString
        case .swagger2:
            let scheme = doc.root["schemes"]?.arrayValue?.compactMap(\.stringValue).sorted { $0 == "https" && $1 != "https" }.first
            let host = doc.root["host"]?.stringValue
            let basePath = doc.root["basePath"]?.stringValue ?? ""
            if let host { return "\(scheme ?? specURL?.scheme ?? "https")://\(host)\(basePath == "/" ? "" : basePath)" }
            return specURL.map { UpstreamHTTP.originString($0) + (basePath == "/" ? "" : basePath) }
        }
    }
}
