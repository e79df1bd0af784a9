/// A typed error with a stable machine-readable code, a message safe to show to the
/// caller, and the HTTP status it maps to when it crosses the API.
package struct JunctionError: Error, Sendable, CustomStringConvertible {
    package var code: String
    package var message: String
    package var status: Int

    package init(_ code: String, _ message: String, status: Int = 500) {
        self.code = code
        self.message = message
        self.status = status
    }

    package var description: String { "\(code): \(message)" }

    package static func badRequest(_ message: String, code: String = "bad_request") -> JunctionError {
        JunctionError(code, message, status: 400)
    }
    package static func notFound(_ message: String, code: String = "not_found") -> JunctionError {
        JunctionError(code, message, status: 404)
    }
    package static func unauthorized(_ message: String) -> JunctionError {
        JunctionError("unauthorized", message, status: 401)
    }
    package static func conflict(_ message: String) -> JunctionError {
        JunctionError("conflict", message, status: 409)
    }
}
