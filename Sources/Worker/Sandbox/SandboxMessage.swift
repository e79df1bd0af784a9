import JunctionCore

/// A protocol frame between the Swift worker (`SandboxProcess`) and `sandbox-host.js`:
/// one JSON object per line, `{"type": <kind>, …}`. Requests travel on the host's fd 3;
/// answers come back on its stdout inside authenticated frames.
///
/// The kinds are listed once here and once in `sandbox-protocol.js`, which the host
/// imports; a test checks the two lists agree, and that the host and sandbox worker
/// scripts send no kind the lists lack.
package enum SandboxMessage: Sendable {
    // Swift → host.
    /// Run `code` in a fresh isolate.
    case run(SandboxRunRequest)
    /// The outcome of call `callID` of run `id`.
    case result(id: String, callID: JSONValue, outcome: Result<JSONValue, JunctionError>)
    /// Stop run `id`.
    case cancel(id: String)
    /// Liveness probe; the host answers `pong` with the same id.
    case ping(id: JSONValue)

    // Host → Swift.
    /// The host booted its first sandbox worker and takes runs.
    case ready
    /// Run `id` calls `name` with `args`; answer with `result` and the same `callID`.
    case call(id: String, callID: JSONValue, name: String, args: JSONValue)
    /// Run `id` ended.
    case done(id: String, outcome: SandboxOutcome)
    /// The answer to `ping`.
    case pong(id: JSONValue)

    /// Every frame kind, as `type` spells it on the wire.
    package enum Kind: String, Sendable, CaseIterable {
        case run, result, cancel, ping
        case ready, call, done, pong

        /// Whether frames of this kind travel from Swift to the host (else host to Swift).
        package var isRequest: Bool { [.run, .result, .cancel, .ping].contains(self) }
    }

    /// The kinds of messages between the host and its sandbox workers (`{"t": <kind>, …}`
    /// on the private MessagePort). Swift never sees these messages; they are listed here
    /// so that one test holds both sides of both channels to one list.
    package enum WorkerKind: String, Sendable, CaseIterable {
        // Host → worker.
        case run, result, stripped
        // Worker → host.
        case booted, unsafe, log, drop, call, strip, done

        /// Whether the host sends this kind to a worker (else a worker sends it to the host).
        package var isToWorker: Bool { [.run, .result, .stripped].contains(self) }
    }

    package var kind: Kind {
        switch self {
        case .run: .run
        case .result: .result
        case .cancel: .cancel
        case .ping: .ping
        case .ready: .ready
        case .call: .call
        case .done: .done
        case .pong: .pong
        }
    }

    /// The frame as the wire carries it.
    package var json: JSONValue {
        var o: [String: JSONValue] = ["type": .string(kind.rawValue)]
        switch self {
        case .run(let request):
            o["id"] = .string(request.id)
            o["code"] = .string(request.code)
            o["functions"] = request.functions.map { JSONValue.array($0.map { .string($0) }) } ?? JSONValue.string("*")
            o["timeoutMs"] = .number(Double(request.timeoutMs))
            o["maxLogBytes"] = .number(Double(request.maxLogBytes))
            if let listing = request.listing, request.functions == nil { o["listing"] = listing }
        case .result(let id, let callID, let outcome):
            o["id"] = .string(id)
            o["callId"] = callID
            switch outcome {
            case .success(let value):
                o["ok"] = true
                o["value"] = value
            case .failure(let error):
                o["ok"] = false
                o["error"] = ["message": .string(error.message), "code": .string(error.code)]
            }
        case .cancel(let id):
            o["id"] = .string(id)
        case .ping(let id), .pong(let id):
            o["id"] = id
        case .ready:
            break
        case .call(let id, let callID, let name, let args):
            o["id"] = .string(id)
            o["callId"] = callID
            o["name"] = .string(name)
            o["args"] = args
        case .done(let id, let outcome):
            o["id"] = .string(id)
            o["ok"] = .bool(outcome.ok)
            o["logs"] = .array(outcome.logs.map { .string($0) })
            if outcome.ok {
                o["result"] = outcome.result
            } else {
                var error: [String: JSONValue] = [:]
                if let name = outcome.errorName { error["name"] = .string(name) }
                if let message = outcome.errorMessage { error["message"] = .string(message) }
                error["line"] = outcome.errorLine.map { JSONValue.number(Double($0)) } ?? JSONValue.null
                o["error"] = .object(error)
                o["timedOut"] = .bool(outcome.timedOut)
            }
        }
        return .object(o)
    }

    /// Reads a frame; nil when it is not one (unknown kind, or a field it needs is missing).
    package init?(json: JSONValue) {
        guard let kind = json["type"]?.stringValue.flatMap(Kind.init(rawValue:)) else { return nil }
        let id = json["id"]?.stringValue
        switch kind {
        case .run:
            guard let id, let code = json["code"]?.stringValue else { return nil }
            let functions = json["functions"]?.arrayValue?.compactMap(\.stringValue)
            self = .run(SandboxRunRequest(id: id, code: code, functions: functions, listing: json["listing"],
                                          timeoutMs: json["timeoutMs"]?.intValue ?? 0, maxLogBytes: json["maxLogBytes"]?.intValue ?? 0))
        case .result:
            guard let id, let callID = json["callId"] else { return nil }
            if json["ok"]?.boolValue == true {
                self = .result(id: id, callID: callID, outcome: .success(json["value"] ?? .null))
            } else {
                let error = json["error"]
                self = .result(id: id, callID: callID, outcome: .failure(JunctionError(
                    error?["code"]?.stringValue ?? "call_failed", error?["message"]?.stringValue ?? "the call failed")))
            }
        case .cancel:
            guard let id else { return nil }
            self = .cancel(id: id)
        case .ping:
            self = .ping(id: json["id"] ?? .null)
        case .pong:
            self = .pong(id: json["id"] ?? .null)
        case .ready:
            self = .ready
        case .call:
            guard let id, let callID = json["callId"], let name = json["name"]?.stringValue else { return nil }
            self = .call(id: id, callID: callID, name: name, args: json["args"] ?? .null)
        case .done:
            guard let id else { return nil }
            let error = json["error"]
            self = .done(id: id, outcome: SandboxOutcome(
                ok: json["ok"]?.boolValue ?? false,
                result: json["result"] ?? .null,
                logs: json["logs"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                errorName: error?["name"]?.stringValue,
                errorMessage: error?["message"]?.stringValue,
                errorLine: error?["line"]?.intValue,
                timedOut: json["timedOut"]?.boolValue ?? false))
        }
    }
}

extension SandboxMessage: Codable {
    package init(from decoder: any Decoder) throws {
        let json = try JSONValue(from: decoder)
        guard let message = SandboxMessage(json: json) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a sandbox frame"))
        }
        self = message
    }

    package func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}

/// What a `run` frame asks of the host.
package struct SandboxRunRequest: Sendable, Equatable {
    package var id: String
    package var code: String
    /// The names code may call; nil lets it call any name (the handler decides).
    package var functions: [String]?
    /// The listing of `codemode.*` names for open-catalog runs (`SandboxListing.json`).
    package var listing: JSONValue?
    package var timeoutMs: Int
    package var maxLogBytes: Int

    package init(id: String, code: String, functions: [String]?, listing: JSONValue?, timeoutMs: Int, maxLogBytes: Int) {
        self.id = id
        self.code = code
        self.functions = functions
        self.listing = listing
        self.timeoutMs = timeoutMs
        self.maxLogBytes = maxLogBytes
    }
}
