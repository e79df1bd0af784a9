/// How a process writes its log lines (`JUNCTION_LOG_FORMAT`).
package enum LogFormat: String, Sendable, CaseIterable {
    /// swift-log's own line format on standard error (the default).
    case text
    /// One JSON object per line on standard error (`JSONLogHandler`).
    case json
}
