import Foundation
import PostgresNIO
import Secrets
import Upstream

/// Upstream OAuth grants, the scheduler's cross-owner listings and what MCP connections
/// negotiated, as `SQLiteStore+SourceOAuth.swift` and `+MCP` keep them.
extension PostgresStore {
    /// The OAuth grant of a source, opened; nil when the user has not signed in.
    package func sourceOAuthGrant(owner: String, sourceID: String, box: SecretBox) async throws -> UpstreamOAuthGrant? {
        guard let sealed = try await rows("SELECT grantSealed FROM source_oauth WHERE owner = \(owner) AND sourceId = \(sourceID)")
            .first?.decode(String.self) else { return nil }
        let text = try box.open(sealed, context: SecretBinding.oauthGrantContext(owner: owner, sourceID: sourceID))
        return try JSONDecoder().decode(UpstreamOAuthGrant.self, from: Data(text.utf8))
    }

    /// Stores (replaces) the grant of a source, sealed; the row is taken from the owner's
    /// source, so nothing is written when the source is gone or someone else's.
    package func saveSourceOAuthGrant(owner: String, sourceID: String, grant: UpstreamOAuthGrant, box: SecretBox) async throws {
        let text = String(decoding: try JSONEncoder().encode(grant), as: UTF8.self)
        let sealed = try box.seal(text, context: SecretBinding.oauthGrantContext(owner: owner, sourceID: sourceID))
        try await rows("""
            INSERT INTO source_oauth (sourceId, owner, grantSealed, expiresAt, refreshable, needsSignIn, updatedAt)
            SELECT id, owner, \(sealed), \(grant.expiresAt), \(grant.refreshToken != nil), \(grant.needsSignIn), \(Date())
            FROM sources WHERE owner = \(owner) AND id = \(sourceID)
            ON CONFLICT (sourceId) DO UPDATE SET grantSealed = EXCLUDED.grantSealed, expiresAt = EXCLUDED.expiresAt,
                refreshable = EXCLUDED.refreshable, needsSignIn = EXCLUDED.needsSignIn, updatedAt = EXCLUDED.updatedAt
            """)
    }

    /// Grants (of any owner) whose access token expires before `date` and can be refreshed.
    package func sourceOAuthExpiring(before date: Date, limit: Int) async throws -> [SourceRef] {
        try await rows("""
            SELECT o.owner, o.sourceId FROM source_oauth o JOIN sources s ON s.id = o.sourceId
            WHERE NOT o.needsSignIn AND o.refreshable AND o.expiresAt IS NOT NULL AND o.expiresAt < \(date) AND s.enabled
            ORDER BY o.expiresAt LIMIT \(limit)
            """).map(Self.sourceRef)
    }

    /// Sources (of any owner) whose catalog was last refreshed before `date` (one that never
    /// refreshed counts from its creation), excluding those waiting for a refresh or for
    /// their user's sign-in.
    package func sourcesDueForRefresh(before date: Date, limit: Int) async throws -> [SourceRef] {
        let waiting = [SourceStatus.pending, .refreshing, .needsSignIn].map(\.rawValue)
        return try await rows("""
            SELECT owner, id FROM sources
            WHERE enabled AND status <> ALL(\(waiting)) AND COALESCE(lastRefreshAt, createdAt) < \(date)
            ORDER BY COALESCE(lastRefreshAt, createdAt) LIMIT \(limit)
            """).map(Self.sourceRef)
    }

    private static func sourceRef(_ row: PostgresRow) throws -> SourceRef {
        var r = PostgresRowReader(row)
        return SourceRef(owner: try r.next(), sourceID: try r.next())
    }

    // MARK: MCP connections

    /// What the last successful connection to an MCP source negotiated.
    package func mcpConnectionInfo(owner: String, sourceID: String) async throws -> MCPConnectionInfo? {
        guard let row = try await rows("""
            SELECT transport, protocolVersion, serverName, serverVersion FROM mcp_source_state WHERE owner = \(owner) AND sourceId = \(sourceID)
            """).first else { return nil }
        var r = PostgresRowReader(row)
        guard let transport = MCPTransportKind(rawValue: try r.next(String.self)) else { return nil }
        return MCPConnectionInfo(transport: transport, protocolVersion: try r.next(), serverName: try r.next(), serverVersion: try r.next())
    }

    /// Remembers what a connection to an MCP source negotiated (nothing when the source is
    /// gone or someone else's).
    package func rememberMCPConnection(owner: String, sourceID: String, info: MCPConnectionInfo) async throws {
        try await rows("""
            INSERT INTO mcp_source_state (sourceId, owner, transport, protocolVersion, serverName, serverVersion, updatedAt)
            SELECT id, owner, \(info.transport.rawValue), \(info.protocolVersion), \(info.serverName), \(info.serverVersion), \(Date())
            FROM sources WHERE owner = \(owner) AND id = \(sourceID)
            ON CONFLICT (sourceId) DO UPDATE SET transport = EXCLUDED.transport, protocolVersion = EXCLUDED.protocolVersion,
                serverName = EXCLUDED.serverName, serverVersion = EXCLUDED.serverVersion, updatedAt = EXCLUDED.updatedAt
            """)
    }

    /// Forgets it (the next connection detects again).
    package func forgetMCPConnection(owner: String, sourceID: String) async throws {
        try await rows("DELETE FROM mcp_source_state WHERE owner = \(owner) AND sourceId = \(sourceID)")
    }
}
