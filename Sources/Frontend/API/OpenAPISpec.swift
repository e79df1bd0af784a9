import Catalog
import Hummingbird
import JunctionCore

/// `GET /api/openapi.json`: the OpenAPI 3.1 description of the management API the dashboard
/// uses (sources, OAuth start, executions, catalog, tokens, me, admin), with their error
/// responses and bearer authentication. Kept as YAML files (`Resources/openapi*.yaml`,
/// merged in order) and served as JSON; `OpenAPIRouteCoverageTests` fails when a route under
/// `/api/v1` is not described or a described operation has no route.
enum OpenAPISpec {
    /// The files making up the document; objects are merged key by key.
    static let files = ["openapi.yaml", "openapi-paths-account.yaml", "openapi-paths-sources.yaml", "openapi-schemas.yaml"]

    static func register(on router: Router<FrontendContext>) {
        router.get("/api/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
                     body: .init(byteBuffer: ByteBuffer(string: document)))
        }
    }

    /// The merged document.
    static func load() throws -> JSONValue {
        var merged: JSONValue = [:]
        for name in files {
            let part = try YAMLLoader(maxNodes: 1_000_000).load(try FrontendResource.text(name))
            merged = try merge(merged, part, at: name)
        }
        return merged
    }

    /// The document as JSON text.
    static let loaded = Result { try load().jsonString() }

    static var document: String { (try? loaded.get()) ?? "{}" }

    /// Objects merge key by key; anything else defined twice is a mistake in the files.
    static func merge(_ a: JSONValue, _ b: JSONValue, at path: String) throws -> JSONValue {
        guard case .object(var left) = a, case .object(let right) = b else {
            throw JunctionError("invalid_spec", "the OpenAPI files define \(path) twice", status: 500)
        }
        for (key, value) in right {
            left[key] = try left[key].map { try merge($0, value, at: path + "/" + key) } ?? value
        }
        return .object(left)
    }
}
