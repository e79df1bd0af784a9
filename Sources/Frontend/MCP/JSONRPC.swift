import Common

/// JSON-RPC 2.0 error codes and message builders.
enum JSONRPC {
    static let parseError = -32700
    static let invalidRequest = -32600
    static let methodNotFound = -32601
    static let invalidParams = -32602
    static let internalError = -32603

    static func result(id: JSONValue, _ result: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "result": result]
    }

    static func error(id: JSONValue, code: Int, message: String, data: JSONValue? = nil) -> JSONValue {
        var err: [String: JSONValue] = ["code": .number(Double(code)), "message": .string(message)]
        if let data { err["data"] = data }
        return ["jsonrpc": "2.0", "id": id, "error": .object(err)]
    }
}
