import Foundation
import JunctionCore
import Logging
import Secrets
import Store
import Upstream

/// OAuth clients of the authorization server: RFC 7591 dynamic registration (read back
/// per RFC 7592) and Client ID Metadata Documents (a `client_id` that is an https URL,
/// fetched through the SSRF guard, validated and cached for `clientMetadataTTL`, at most
/// `clientMetadataCacheMax` of them). A registered client that obtains no token within
/// `unusedClientTTL` expires and is swept; at most `maxUnusedClients` wait at once.
struct ClientRegistry: Sendable {
    let database: any JunctionStore
    let http: UpstreamHTTP
    let config: AuthConfiguration
    let issuer: String
    let logger: Logger

    static let maxMetadataBytes = 16_384
    static let maxRedirectURIs = 20

    /// A resolved client.
    struct Client: Sendable {
        var id: String
        var name: String
        var redirectURIs: [String]
    }

    /// An OAuth error (RFC 6749 §5.2 / RFC 7591 §3.2.2 codes) with its HTTP status.
    struct OAuthError: Error, Sendable {
        var code: String
        var description: String
        var status: Int = 400
    }

    /// Whether a client id is a Client ID Metadata Document URL.
    static func isMetadataURL(_ id: String) -> Bool {
        id.lowercased().hasPrefix("https://") || id.lowercased().hasPrefix("http://")
    }

    /// Resolves `client_id` to a client, fetching its metadata document when needed.
    func resolve(_ clientID: String) async throws(OAuthError) -> Client {
        guard !clientID.isEmpty, clientID.count <= 2000 else { throw OAuthError(code: "invalid_request", description: "client_id is missing") }
        let cached: OAuthClientRecord?
        do { cached = try await database.oauthClient(id: clientID) } catch {
            throw OAuthError(code: "server_error", description: "cannot read clients", status: 500)
        }
        if Self.isMetadataURL(clientID) {
            if let cached, cached.kind == "metadata", let until = cached.refreshAfter, until > Date() { return Self.client(cached) }
            let record = try await fetchMetadataDocument(clientID)
            do { try await database.saveMetadataClient(record, keep: config.clientMetadataCacheMax) } catch {
                throw OAuthError(code: "server_error", description: "cannot store the client", status: 500)
            }
            return Self.client(record)
        }
        guard let cached, cached.kind == "registered" else {
            throw OAuthError(code: "invalid_client", description: "unknown client_id; register first (POST /oauth/register) or use a client metadata URL", status: 401)
        }
        guard !isExpired(cached) else {
            throw OAuthError(code: "invalid_client",
                             description: "this client registration expired: it obtained no token within \(Int(config.unusedClientTTL)) s of registering; register again",
                             status: 401)
        }
        return Self.client(cached)
    }

    /// Whether a registered client outlived its time to complete a first flow.
    func isExpired(_ record: OAuthClientRecord, now: Date = Date()) -> Bool {
        record.kind == "registered" && record.firstUsedAt == nil && record.createdAt < now.addingTimeInterval(-config.unusedClientTTL)
    }

    static func client(_ r: OAuthClientRecord) -> Client {
        let uris = ((try? JSONValue.parse(r.redirectUris))?.arrayValue ?? []).compactMap(\.stringValue)
        return Client(id: r.id, name: r.name, redirectURIs: uris)
    }

    private func fetchMetadataDocument(_ clientID: String) async throws(OAuthError) -> OAuthClientRecord {
        guard let url = URL(string: clientID), let comps = URLComponents(string: clientID), comps.fragment == nil,
              comps.user == nil, comps.password == nil, !(comps.path.isEmpty || comps.path == "/") else {
            throw OAuthError(code: "invalid_client", description: "a client metadata URL needs a path and no fragment or credentials")
        }
        if comps.scheme?.lowercased() == "http" && !http.policy.allowLoopbackHTTP {
            throw OAuthError(code: "invalid_client", description: "client metadata URLs must use https")
        }
        let response: UpstreamResponse
        do {
            response = try await http.send(method: "GET", url: url, headers: [("Accept", "application/json")],
                                           maxBytes: Self.maxMetadataBytes, timeout: .seconds(5), followRedirects: false)
        } catch let error as any CodedError {
            logger.info("client metadata fetch refused", metadata: ["client": "\(OutboundPolicy.redacted(url))", "error": "\(error.code)"])
            throw OAuthError(code: "invalid_client", description: "cannot fetch the client metadata document: \(error.message)")
        } catch {
            throw OAuthError(code: "invalid_client", description: "cannot fetch the client metadata document")
        }
        guard response.status == 200 else {
            throw OAuthError(code: "invalid_client", description: "the client metadata document answered HTTP \(response.status)")
        }
        guard let doc = try? JSONValue.parse(response.body), case .object(let o) = doc else {
            throw OAuthError(code: "invalid_client_metadata", description: "the client metadata document is not a JSON object")
        }
        guard o["client_id"]?.stringValue == clientID else {
            throw OAuthError(code: "invalid_client_metadata", description: "client_id in the metadata document must equal its URL")
        }
        let uris = try Self.validatedRedirectURIs(o["redirect_uris"])
        if let method = o["token_endpoint_auth_method"]?.stringValue, method != "none" {
            throw OAuthError(code: "invalid_client_metadata", description: "only token_endpoint_auth_method \"none\" is supported for metadata-document clients")
        }
        if o["client_secret"] != nil || o["client_secret_expires_at"] != nil {
            throw OAuthError(code: "invalid_client_metadata", description: "a client metadata document must not contain a client secret")
        }
        return OAuthClientRecord(id: clientID, kind: "metadata", name: Self.name(o["client_name"], fallback: comps.host ?? clientID),
                                 redirectUris: JSONValue.array(uris.map { .string($0) }).jsonString(), metadata: doc.jsonString(),
                                 registrationTokenHash: nil, createdAt: Date(), refreshAfter: Date().addingTimeInterval(config.clientMetadataTTL))
    }

    static func validatedRedirectURIs(_ value: JSONValue?) throws(OAuthError) -> [String] {
        guard let array = value?.arrayValue, !array.isEmpty, array.count <= maxRedirectURIs else {
            throw OAuthError(code: "invalid_redirect_uri", description: "redirect_uris must be a non-empty array (at most \(maxRedirectURIs))")
        }
        var uris: [String] = []
        for v in array {
            guard let s = v.stringValue, RedirectURIMatcher.isAcceptable(s) else {
                throw OAuthError(code: "invalid_redirect_uri",
                                 description: "redirect URIs must be https, http on a loopback host, or a private-use scheme; no fragments")
            }
            uris.append(s)
        }
        return uris
    }

    static func name(_ value: JSONValue?, fallback: String) -> String {
        let raw = value?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return raw.isEmpty ? fallback : String(raw.prefix(100))
    }

    /// RFC 7591 registration. Every client is public (`token_endpoint_auth_method: none`, PKCE).
    func register(_ body: JSONValue) async throws(OAuthError) -> JSONValue {
        guard case .object(var o) = body else { throw OAuthError(code: "invalid_client_metadata", description: "the body must be a JSON object") }
        let uris = try Self.validatedRedirectURIs(o["redirect_uris"])
        let grants = o["grant_types"]?.arrayValue?.compactMap(\.stringValue) ?? ["authorization_code"]
        guard grants.allSatisfy({ ["authorization_code", "refresh_token"].contains($0) }) else {
            throw OAuthError(code: "invalid_client_metadata", description: "grant_types may only hold authorization_code and refresh_token")
        }
        let responses = o["response_types"]?.arrayValue?.compactMap(\.stringValue) ?? ["code"]
        guard responses == ["code"] else { throw OAuthError(code: "invalid_client_metadata", description: "response_types must be [\"code\"]") }
        let id = "jcl_" + UUID().uuidString.lowercased()
        let registrationToken = TokenHasher.newToken(prefix: "jrg")
        let name = Self.name(o["client_name"], fallback: "Unnamed client")
        o["client_id"] = .string(id)
        o["client_name"] = .string(name)
        o["redirect_uris"] = .array(uris.map { .string($0) })
        o["grant_types"] = .array(grants.map { .string($0) })
        o["response_types"] = ["code"]
        o["token_endpoint_auth_method"] = "none"
        o.removeValue(forKey: "client_secret")
        o["client_id_issued_at"] = .number(Double(Int(Date().timeIntervalSince1970)))
        let metadata = JSONValue.object(o)
        let waiting: Int
        do {
            try await database.sweepUnusedOAuthClients(createdBefore: Date().addingTimeInterval(-config.unusedClientTTL))
            waiting = try await database.unusedOAuthClientCount()
        } catch {
            throw OAuthError(code: "server_error", description: "cannot read clients", status: 500)
        }
        guard waiting < config.maxUnusedClients else {
            logger.warning("OAuth registration refused: too many clients waiting for their first token", metadata: ["waiting": "\(waiting)"])
            throw OAuthError(code: "temporarily_unavailable",
                             description: "too many registered clients have not completed a sign-in yet; try again later or use a client metadata document",
                             status: 503)
        }
        do {
            try await database.saveOAuthClient(OAuthClientRecord(id: id, kind: "registered", name: name,
                                                           redirectUris: JSONValue.array(uris.map { .string($0) }).jsonString(),
                                                           metadata: metadata.jsonString(), registrationTokenHash: TokenHasher.hash(registrationToken),
                                                           createdAt: Date(), refreshAfter: nil))
        } catch {
            throw OAuthError(code: "server_error", description: "cannot store the client", status: 500)
        }
        o["registration_access_token"] = .string(registrationToken)
        o["registration_client_uri"] = .string("\(issuer)/oauth/register/\(id)")
        return .object(o)
    }

    /// RFC 7592 read: the client's metadata, for the holder of its registration access token.
    func read(id: String, registrationToken: String) async throws(OAuthError) -> JSONValue {
        guard let record = try? await database.oauthClient(id: id), record.kind == "registered", let stored = record.registrationTokenHash,
              Authenticator.constantTimeEquals(stored, TokenHasher.hash(registrationToken)),
              case .object(var o) = (try? JSONValue.parse(record.metadata)) ?? .null else {
            throw OAuthError(code: "invalid_token", description: "unknown client or wrong registration access token", status: 401)
        }
        o["registration_client_uri"] = .string("\(issuer)/oauth/register/\(id)")
        return .object(o)
    }
}
