import Foundation
import JunctionCore
import Store
import Upstream

extension SourcesAPI {
    /// A source's authentication as a request asks for it, validated.
    struct AuthSettings: Equatable {
        var type: SourceAuthType
        /// The header (header auth) or query parameter (query auth) carrying the secret.
        var headerName: String?
        /// The new secret, when one was given (an empty string counts as none).
        var secret: String?
        /// Whether this auth type sends a secret at all.
        var needsSecret: Bool
        /// The origin the user confirmed the secret is for (`auth.origin`), if given.
        var origin: Origin? = nil
    }

    /// Validates an `auth` object for a source of `sourceType`. `current` is the source
    /// being edited — absent fields keep its values and its stored secret still counts —
    /// or nil when registering, where everything the type needs must be given.
    static func authSettings(_ auth: JSONValue, sourceType: SourceType, current: Source?) throws -> AuthSettings {
        guard auth.objectValue != nil else { throw JunctionError.badRequest("auth must be an object") }
        if let t = auth["type"], t.stringValue == nil { throw JunctionError.badRequest("auth.type must be a string") }
        let typeName = auth["type"]?.stringValue?.lowercased() ?? current?.authType.rawValue ?? "none"
        guard let type = SourceAuthType(rawValue: typeName) else {
            throw JunctionError.badRequest("auth.type must be none, bearer, header, query, basic or oauth (mcp sources)")
        }
        if let s = auth["secret"], !s.isNull, s.stringValue == nil { throw JunctionError.badRequest("auth.secret must be a string") }
        let secret = auth["secret"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        if let secret, secret.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw JunctionError.badRequest("auth.secret must not contain line breaks")
        }
        let typeChanged = type != current?.authType
        // A name field may be left out when editing a source that already uses this type.
        func name(_ field: String, valid: (String) -> Bool, message: String) throws -> String {
            if let value = auth[field] {
                guard let text = value.stringValue, valid(text) else { throw JunctionError.badRequest(message) }
                return text
            }
            guard !typeChanged, let kept = current?.authHeaderName else { throw JunctionError.badRequest(message) }
            return kept
        }
        var settings = AuthSettings(type: type, headerName: nil, secret: secret, needsSecret: true)
        switch type {
        case .none:
            guard secret == nil else { throw JunctionError.badRequest("auth.secret must not be given when auth.type is none") }
            settings.needsSecret = false
        case .bearer:
            break
        case .header:
            settings.headerName = try name("headerName", valid: isHeaderName, message: "auth.headerName must be a valid HTTP header name for header auth")
        case .query:
            guard sourceType == .openapi else { throw JunctionError.badRequest("query auth is only supported for openapi sources") }
            settings.headerName = try name("paramName", valid: { !$0.isEmpty && $0.count <= 100 },
                                           message: "auth.paramName is required for query auth (the query parameter carrying the key)")
        case .basic:
            guard sourceType == .openapi else { throw JunctionError.badRequest("basic auth is only supported for openapi sources") }
            if let secret, !secret.contains(":") { throw JunctionError.badRequest("auth.secret must be \"user:password\" for basic auth") }
        case .oauth:
            // Tokens come from the user's sign-in (POST …/oauth/start), never from a body.
            guard sourceType == .mcp else { throw JunctionError.badRequest("auth.type oauth is only supported for mcp sources") }
            guard secret == nil else {
                throw JunctionError.badRequest("auth.secret must not be given for oauth; sign in with POST /api/v1/sources/{slug}/oauth/start")
            }
            settings.needsSecret = false
        }
        if settings.needsSecret, secret == nil, typeChanged || current?.secretSealed == nil {
            throw JunctionError.badRequest("auth.secret is required for \(type.rawValue) auth")
        }
        if let value = auth["origin"], !value.isNull {
            guard settings.needsSecret else {
                throw JunctionError.badRequest("auth.origin names where a secret may be sent; \(type.rawValue) auth has no secret")
            }
            settings.origin = try origin(value)
        }
        return settings
    }

    /// `auth.origin`: an http(s) origin, nothing more (no path, query or user).
    static func origin(_ value: JSONValue) throws -> Origin {
        let message = "auth.origin must be an origin like https://api.example.com (scheme, host and optional port)"
        guard let text = value.stringValue, text.count <= 300, let url = URL(string: text), let origin = Origin(url),
              url.user == nil, url.password == nil, url.query == nil, url.fragment == nil, url.path.isEmpty || url.path == "/" else {
            throw JunctionError.badRequest(message, code: "invalid_origin")
        }
        return origin
    }
}
