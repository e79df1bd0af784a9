import Catalog
import Foundation
import JunctionCore
import Logging
import Secrets
import SourceAccess
import Store
import Upstream

/// Lists an MCP source's tools for its catalog. Detects the transport when nothing is
/// remembered (Streamable HTTP with `server/discover`, then `initialize`, then legacy
/// SSE) and remembers what worked; when a remembered transport stops working, detects
/// again once.
struct MCPCatalogFetcher {
    let database: any JunctionStore
    let connector: MCPSourceConnector
    let box: SecretBox
    let oauth: MCPOAuthTokens?
    let logger: Logger

    init(database: any JunctionStore, http: UpstreamHTTP, box: SecretBox, oauth: MCPOAuthTokens? = nil, logger: Logger) {
        self.database = database
        self.oauth = oauth
        self.connector = MCPSourceConnector(http: StreamingUpstream(http), maxMessageBytes: 8 * 1024 * 1024, requestTimeout: .seconds(30))
        self.box = box
        self.logger = logger
    }

    func drafts(for source: Source) async throws -> [CatalogEntryDraft] {
        guard source.authType == .oauth else { return try await drafts(for: source, secret: try database.sourceSecret(source, box: box)) }
        guard let oauth else { throw JunctionError("source_misconfigured", "this refresher has no OAuth support configured", status: 500) }
        let token = try await oauth.accessToken(for: source)
        do {
            return try await drafts(for: source, secret: token)
        } catch UpstreamError.unauthorized {
            let fresh = try await oauth.accessToken(for: source, rejected: token)
            return try await drafts(for: source, secret: fresh)
        }
    }

    /// Whether the server refused Junction (credentials) or the policy refused the server:
    /// detecting the transport again cannot help then.
    private static func isRefusal(_ error: any CodedError) -> Bool {
        switch error as? UpstreamError {
        case .unauthorized?, .outboundForbidden?: true
        default: false
        }
    }

    private func drafts(for source: Source, secret: String?) async throws -> [CatalogEntryDraft] {
        let remembered = try await database.mcpConnectionInfo(owner: source.owner, sourceID: source.id)
        do {
            return try await list(source, secret: secret, remembered: remembered)
        } catch let error as any CodedError where remembered != nil && !Self.isRefusal(error) {
            logger.info("remembered MCP transport failed; detecting again",
                        metadata: ["source": "\(source.slug)", "transport": "\(remembered!.transport.rawValue)", "error": "\(error)"])
            return try await list(source, secret: secret, remembered: nil)
        }
    }

    private func list(_ source: Source, secret: String?, remembered: MCPConnectionInfo?) async throws -> [CatalogEntryDraft] {
        let client = try connector.client(for: source, secret: secret, remembered: remembered)
        do {
            let info = try await client.connect()
            let tools = try await client.listTools()
            await client.close()
            if info != remembered { try await database.rememberMCPConnection(owner: source.owner, sourceID: source.id, info: info) }
            logger.info("listed MCP tools", metadata: [
                "source": "\(source.slug)", "transport": "\(info.transport.rawValue)", "protocol": "\(info.protocolVersion)",
                "tools": "\(tools.count)",
            ])
            return MCPToolIndexer.drafts(tools)
        } catch {
            await client.close()
            throw error
        }
    }
}
