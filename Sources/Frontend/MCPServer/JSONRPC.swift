import Foundation
import JunctionCore

/// JSON-RPC 2.0 error codes and message builders.
enum JSONRPC {
    static let parseError = -32700
    static let invalidRequest = -32600
    static let methodNotFound = -32601
    static let invalidParams = -32602
    static let internalError = -32603
    /// Implementation-defined server error (used for the rate limit).
    static let serverError = -32000

    static func result(id: JSONValue, _ result: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "result": result]
    }

    static func error(id: JSONValue, code: Int, message: String, data: JSONValue? = nil) -> JSONValue {
        var err: [String: JSONValue] = ["code": .number(Double(code)), "message": .string(message)]
        if let data { err["data"] = data }
        return ["jsonrpc": "2.0", "id": id, "error": .object(err)]
    }

    static func notification(_ method: String, params: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "method": .string(method), "params": params]
    }
}

/// One message a client POSTed: a request, a notification, or (with `method` nil) a
/// response to the server, which needs no answer.
struct JSONRPCRequest: Sendable, Equatable {
    var id: JSONValue
    var method: String?
    var params: JSONValue
    var isNotification: Bool

    struct Rejection: Error, Equatable {
        var id: JSONValue
        var code: Int
        var message: String
    }

    /// Parses a body: not JSON → -32700; not one well-formed JSON-RPC 2.0 message
    /// (batches, wrong `jsonrpc`, bad `id`/`method`/`params`) → -32600 or -32602.
    static func parse(_ data: Data) -> Result<JSONRPCRequest, Rejection> {
        guard let message = try? JSONValue.parse(data) else {
            return .failure(Rejection(id: .null, code: JSONRPC.parseError, message: "Parse error: the body is not valid JSON"))
        }
        guard case .object(let object) = message else {
            let text = message.arrayValue != nil ? "JSON-RPC batches are not supported" : "a JSON-RPC message must be an object"
            return .failure(Rejection(id: .null, code: JSONRPC.invalidRequest, message: "Invalid Request: \(text)"))
        }
        let rawID = object["id"]
        let id: JSONValue
        switch rawID {
        case .string?, .number?: id = rawID!
        case nil: id = .null
        default:
            return .failure(Rejection(id: .null, code: JSONRPC.invalidRequest, message: "Invalid Request: id must be a string or a number"))
        }
        guard object["jsonrpc"]?.stringValue == "2.0" else {
            return .failure(Rejection(id: id, code: JSONRPC.invalidRequest, message: "Invalid Request: jsonrpc must be \"2.0\""))
        }
        guard let methodValue = object["method"] else {
            if rawID != nil && (object["result"] != nil || object["error"] != nil) {
                return .success(JSONRPCRequest(id: id, method: nil, params: .null, isNotification: false))
            }
            return .failure(Rejection(id: id, code: JSONRPC.invalidRequest, message: "Invalid Request: missing method"))
        }
        guard let method = methodValue.stringValue, !method.isEmpty else {
            return .failure(Rejection(id: id, code: JSONRPC.invalidRequest, message: "Invalid Request: method must be a non-empty string"))
        }
        let params = object["params"] ?? .object([:])
        guard case .object = params else {
            return .failure(Rejection(id: id, code: JSONRPC.invalidParams, message: "Invalid params: params must be an object"))
        }
        return .success(JSONRPCRequest(id: id, method: method, params: params, isNotification: rawID == nil))
    }
}
