import Logging

extension Logger {
    /// A logger for one Junction component at the configured level.
    package static func junction(_ label: String, level: String) -> Logger {
        var logger = Logger(label: "junction.\(label)")
        logger.logLevel = Logger.Level(rawValue: level.lowercased()) ?? .info
        return logger
    }
}
