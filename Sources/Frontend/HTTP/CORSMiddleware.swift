import Foundation
import HTTPTypes
import Hummingbird

/// CORS for browser-based MCP clients on /mcp, /sse and /messages: answers preflight
/// requests from allowed origins and lets them read the headers MCP needs
/// (`Mcp-Session-Id`, `WWW-Authenticate`, `Retry-After`). Disallowed origins get no
/// CORS headers (the route itself answers 403).
struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let origins: OriginPolicy

    static var allowedHeaders: [String] {
        ["Authorization", "Content-Type", "Accept", "Mcp-Session-Id", "MCP-Protocol-Version", "Mcp-Method", "Mcp-Name", "Last-Event-ID"]
    }
    static var exposedHeaders: String { "Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate, Retry-After" }
    static var methods: String { "GET, POST, DELETE, OPTIONS" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], origins.refusal(for: origin) == nil else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var headers: HTTPFields = [
                .accessControlAllowOrigin: origin, .accessControlAllowMethods: Self.methods,
                .accessControlAllowHeaders: allowHeaders(requested: request.headers[.accessControlRequestHeaders]),
                .accessControlMaxAge: "600", .vary: "Origin",
            ]
            headers[.accessControlExposeHeaders] = Self.exposedHeaders
            return Response(status: .noContent, headers: headers)
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        response.headers[.vary] = "Origin"
        return response
    }

    /// The fixed list plus any requested `Mcp-Param-*` headers (tools may mirror
    /// arguments into them); other requested headers are not granted.
    func allowHeaders(requested: String?) -> String {
        var out = Self.allowedHeaders
        let known = Set(out.map { $0.lowercased() })
        for name in (requested ?? "").split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if name.lowercased().hasPrefix("mcp-param-") && !known.contains(name.lowercased()) { out.append(name) }
        }
        return out.joined(separator: ", ")
    }
}
