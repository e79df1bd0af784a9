import HTTPTypes
import Hummingbird
import JunctionCore
import Logging

/// Turns what a handler throws into the client's answer, in one place:
/// - a `CodedError` (`JunctionError`, the domains' error enums) becomes
///   `{"error": {"code", "message"}}` with its status;
/// - Hummingbird's own errors (no such route, method not allowed, …) keep Hummingbird's
///   answer, except under `/api/` where they become the same JSON error body;
/// - anything else is a 500 `internal_error` whose details go only to the log.
/// MCP routes answer JSON-RPC errors themselves and never throw here.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any CodedError {
            return JSONResponse.error(error)
        } catch let error as any HTTPResponseError {
            guard request.uri.path.hasPrefix("/api/") else { return try error.response(from: request, context: context) }
            let message = (error as? HTTPError)?.body ?? error.status.reasonPhrase.lowercased()
            return JSONResponse.error(JunctionError(Self.code(for: error.status), message, status: error.status.code))
        } catch {
            logger.error("request failed", metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)"])
            return JSONResponse.error(JunctionError("internal_error", "internal error"))
        }
    }

    /// The error code of a status Hummingbird answered by itself.
    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "route_not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .contentTooLarge: "payload_too_large"
        case .badRequest: "bad_request"
        default: "http_error"
        }
    }
}
