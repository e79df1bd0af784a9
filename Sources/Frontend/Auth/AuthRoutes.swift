import Config
import Hummingbird
import Logging
import Redis
import Upstream

/// Registers sign-in, the OAuth authorization server, and the token/admin APIs.
func registerAuthRoutes(on router: Router<FrontendContext>, auth: Authenticator, redis: RedisClient,
                        config: FrontendConfiguration, authConfig: AuthConfiguration, logger: Logger) {
    let http = UpstreamHTTP(client: UpstreamHTTP.processClient, policy: config.common.outboundPolicy)
    let policy = SignInPolicy(database: auth.database, config: authConfig)
    let throttle = AbuseThrottle(redis: redis, limits: authConfig.throttles)
    SignInRoutes(auth: auth, policy: policy, config: authConfig, throttle: throttle, logger: logger).register(on: router)
    OIDCSignIn(auth: auth, policy: policy, http: http, config: authConfig, logger: logger).register(on: router)
    AuthorizationServer(auth: auth, clients: ClientRegistry(database: auth.database, http: http, config: authConfig, issuer: auth.issuer, logger: logger),
                        config: authConfig, throttle: throttle, logger: logger).register(on: router)
    TokensAPI(auth: auth, logger: logger).register(on: router)
    AdminAPI(auth: auth, logger: logger).register(on: router)
}
