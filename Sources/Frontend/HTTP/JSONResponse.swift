import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore

extension HTTPField.Name {
    static let mcpSessionID = HTTPField.Name("Mcp-Session-Id")!
    static let mcpProtocolVersion = HTTPField.Name("MCP-Protocol-Version")!
    static let wwwAuthenticate = HTTPField.Name("WWW-Authenticate")!
}

/// Builds JSON responses (`SecurityHeadersMiddleware` adds `Cache-Control: no-store`).
enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.jsonString())))
    }

    /// `{"error": {"code", "message"}}` with the error's status.
    static func error(_ error: any CodedError, headers: HTTPFields = [:]) -> Response {
        make(["error": ["code": .string(error.code), "message": .string(error.message)]],
             status: HTTPResponse.Status(code: error.status), headers: headers)
    }

    static func empty(_ status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        Response(status: status, headers: headers)
    }
}

extension Request {
    /// The body as JSON, with a size cap (413) and a clear error for bad JSON (400).
    mutating func jsonBody(limit: Int) async throws -> JSONValue {
        let buffer = try await collectBody(limit: limit)
        do { return try JSONValue.parse(Data(buffer.readableBytesView)) } catch {
            throw JunctionError.badRequest("the request body is not valid JSON", code: "invalid_json")
        }
    }

    mutating func collectBody(limit: Int) async throws -> ByteBuffer {
        if let length = headers[.contentLength].flatMap(Int.init), length > limit {
            throw JunctionError("payload_too_large", "the request body is larger than \(limit) bytes", status: 413)
        }
        do { return try await collectBody(upTo: limit) } catch {
            throw JunctionError("payload_too_large", "the request body is larger than \(limit) bytes", status: 413)
        }
    }
}
