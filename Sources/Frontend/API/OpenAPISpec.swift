import Common
import Hummingbird

/// `GET /api/openapi.json`: the OpenAPI 3.1 description of the management API.
enum OpenAPISpec {
    static func register(on router: Router<BasicRequestContext>) {
        router.get("/api/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300",
                                            .accessControlAllowOrigin: "*"],
                     body: .init(byteBuffer: ByteBuffer(string: document)))
        }
    }

    static let document = "{}"
}
