import Foundation
import JunctionCore

/// A JSON-RPC 2.0 message as an MCP client receives it.
package enum JSONRPCMessage: Sendable, Equatable {
    case response(id: JSONValue, result: JSONValue)
    case error(id: JSONValue?, code: Int, message: String, data: JSONValue?)
    case request(id: JSONValue, method: String, params: JSONValue?)
    case notification(method: String, params: JSONValue?)

    /// Classifies a decoded JSON value; nil when it is not a JSON-RPC message.
    package init?(_ value: JSONValue) {
        guard value.objectValue != nil else { return nil }
        let id = value["id"].flatMap { $0.isNull ? nil : $0 }
        if let method = value["method"]?.stringValue {
            if let id { self = .request(id: id, method: method, params: value["params"]) } else {
                self = .notification(method: method, params: value["params"])
            }
        } else if let error = value["error"], error.objectValue != nil {
            self = .error(id: id, code: error["code"]?.intValue ?? 0, message: error["message"]?.stringValue ?? "",
                          data: error["data"])
        } else if let id, let result = value["result"] {
            self = .response(id: id, result: result)
        } else {
            return nil
        }
    }

    /// The id a response or error answers.
    package var responseID: JSONValue? {
        switch self {
        case .response(let id, _): return id
        case .error(let id, _, _, _): return id
        default: return nil
        }
    }

    /// A request object.
    package static func makeRequest(id: Int, method: String, params: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": .number(Double(id)), "method": .string(method), "params": params]
    }

    /// A notification object.
    package static func makeNotification(method: String, params: JSONValue? = nil) -> JSONValue {
        var o: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { o["params"] = params }
        return .object(o)
    }

    /// A response object (to answer a server's ping on a legacy stream).
    package static func makeResponse(id: JSONValue, result: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "result": result]
    }

    /// An error object (to refuse a server request we cannot serve).
    package static func makeError(id: JSONValue, code: Int, message: String) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "error": ["code": .number(Double(code)), "message": .string(message)]]
    }
}
