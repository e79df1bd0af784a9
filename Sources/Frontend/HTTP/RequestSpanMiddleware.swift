import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import JunctionTracing
import Logging
import Tracing

/// One server span per request, added only when tracing is on (`Traces.isEnabled`): a child
/// of the caller's span when the request carries a well-formed W3C `traceparent`, else the
/// root of a new trace. Only `traceparent`/`tracestate` are read, and only after
/// `TraceCarrier` checked their form: a malformed or oversized one is ignored. The span lasts
/// until the response is complete (an event stream: until its end), and records the method,
/// path, route and status; never headers, query or body. A debug line logs each request
/// inside the span, so it carries the trace id.
struct RequestSpanMiddleware<Context: RequestContext>: RouterMiddleware {
    static var traceparent: HTTPField.Name { HTTPField.Name(TraceCarrier.traceparent)! }
    static var tracestate: HTTPField.Name { HTTPField.Name(TraceCarrier.tracestate)! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let headers = request.headers
        let incoming = TraceCarrier.sanitized { name in
            // Several `traceparent` fields are no trace context at all.
            let values = headers[values: name == TraceCarrier.traceparent ? Self.traceparent : Self.tracestate]
            return values.count == 1 ? values[0] : nil
        }
        let method = request.method.rawValue
        let span = startSpan("\(method) \(request.uri.path)", context: Traces.context(continuing: incoming), ofKind: .server)
        span.attributes["http.request.method"] = method
        span.attributes["url.path"] = request.uri.path
        let started = ContinuousClock.now
        return try await ServiceContext.$current.withValue(span.context) {
            var response: Response
            do {
                response = try await next(request, context)
            } catch {
                let status = (error as? any HTTPResponseError)?.status.code ?? 500
                finish(span, context: context, method: method, status: status, started: started)
                if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
                span.end()
                throw error
            }
            finish(span, context: context, method: method, status: response.status.code, started: started)
            if response.status.code >= 500 { span.setStatus(SpanStatus(code: .error)) }
            let body = response.body
            guard body.contentLength == nil else {
                // A body of known length is complete already: wrapping it in a closure would
                // turn Hummingbird's one write of head and body into several.
                span.end()
                return response
            }
            // A stream (SSE): the span lasts until its last event is written.
            response.body = ResponseBody { writer in
                defer { span.end() }
                try await body.write(writer)
            }
            return response
        }
    }

    private func finish(_ span: any Span, context: Context, method: String, status: Int, started: ContinuousClock.Instant) {
        if let route = context.endpointPath {
            span.operationName = "\(method) \(route)"
            span.attributes["http.route"] = route
        }
        span.attributes["http.response.status_code"] = status
        context.logger.debug("request", metadata: [
            "method": "\(method)", "route": "\(context.endpointPath ?? "-")", "status": "\(status)",
            "ms": "\((ContinuousClock.now - started).milliseconds)",
        ])
    }
}
