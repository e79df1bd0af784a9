import ArgumentParser
import Config
import Configuration
import Hummingbird
import JunctionCore
import JunctionMetrics
import JunctionTracing
import Logging
import ServiceLifecycle
import UnixSignals
import Upstream

/// `junction-frontend`: serves /mcp and the management API; `admin` subcommands manage users.
@main
struct FrontendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "junction-frontend",
        abstract: "Junction's HTTP frontend.",
        subcommands: [Serve.self, Admin.self],
        defaultSubcommand: Serve.self)

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve /mcp and the management API (the default).")

        func run() async throws {
            let config = try FrontendConfiguration(reader: ConfigReader(keys: CommonConfiguration.keys + FrontendConfiguration.keys))
            let telemetry = try Telemetry.bootstrap(config.common.telemetry(process: "frontend"))
            let logger = Logger.junction("frontend", level: config.common.logLevel)
            if config.common.outboundPolicy.allowLoopbackHTTP {
                logger.warning("development setting JUNCTION_ALLOW_LOOPBACK_HTTP is on: plain-HTTP and loopback upstreams are allowed")
            }
            JunctionMetricsFactory.bootstrap()
            let (app, status) = try await buildApplication(config: config, logger: logger)
            // SIGTERM: stop accepting, finish the open requests and streams (their runs'
            // replies still arrive: the reply listener stops after the server), for at most
            // the drain deadline; then what is left is cancelled.
            // The span exporter first, then the heartbeat: services stop last to first, so the
            // heartbeat is withdrawn after the drain and the exporter flushes the others' spans.
            let exporter: [ServiceGroupConfiguration.ServiceConfiguration] = telemetry.map { [.init(service: $0)] } ?? []
            var settings = ServiceGroupConfiguration(services: exporter + status.map { .init(service: $0) } + [.init(service: app)],
                                                     gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            settings.maximumGracefulShutdownDuration = config.common.drainTimeout
            try await ServiceGroup(configuration: settings).run()
        }
    }
}
