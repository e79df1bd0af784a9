import GRDB

// The value types of the store's interface as GRDB records of the SQLite schema.

extension User: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "users"
}

extension APIToken: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "api_tokens"
}

extension Source: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "sources"
}

extension CatalogEntry: FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "catalog_entries"
    package mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension ExecutionLog: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "executions"
}

extension WebSessionRecord: FetchableRecord, PersistableRecord {
    static let databaseTableName = "web_sessions"
}

extension PasswordCredential: FetchableRecord, PersistableRecord {
    static let databaseTableName = "password_credentials"
}

extension AllowlistEntry: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "allowlist"
}

extension OAuthClientRecord: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "oauth_clients"
}

extension UserIdentity: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "user_identities"
}

extension OAuthConsent: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "oauth_consents"
}

extension OAuthCode: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "oauth_codes"
}

extension OAuthToken: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "oauth_tokens"
}

extension OIDCLoginState: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "oidc_login_states"
}
