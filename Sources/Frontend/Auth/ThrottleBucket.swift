import Config

/// What is throttled; each has its own limit (`AuthConfiguration.throttles`).
enum ThrottleBucket: String, Sendable, CaseIterable {
    /// `POST /login` and `POST /setup` (password work) per client address.
    case signInPerIP = "signin-ip"
    /// Failed password sign-ins per account (email), from any address.
    case signInFailuresPerAccount = "signin-account"
    /// `POST /oauth/register` per client address.
    case registerPerIP = "register-ip"
    /// `POST /oauth/token` per client address.
    case tokenPerIP = "token-ip"
    /// Failed `POST /oauth/token` requests per `client_id`, from any address.
    case tokenFailuresPerClient = "token-client"

    /// The setting of its limit.
    var settingKey: ConfigurationKey {
        switch self {
        case .signInPerIP: ConfigurationKey("junction.throttle.signinIP", variable: "JUNCTION_THROTTLE_SIGNIN_IP", default: .value(defaultLimit))
        case .signInFailuresPerAccount:
            ConfigurationKey("junction.throttle.signinAccount", variable: "JUNCTION_THROTTLE_SIGNIN_ACCOUNT", default: .value(defaultLimit))
        case .registerPerIP: ConfigurationKey("junction.throttle.registerIP", variable: "JUNCTION_THROTTLE_REGISTER_IP", default: .value(defaultLimit))
        case .tokenPerIP: ConfigurationKey("junction.throttle.tokenIP", variable: "JUNCTION_THROTTLE_TOKEN_IP", default: .value(defaultLimit))
        case .tokenFailuresPerClient:
            ConfigurationKey("junction.throttle.tokenClient", variable: "JUNCTION_THROTTLE_TOKEN_CLIENT", default: .value(defaultLimit))
        }
    }

    /// The default limit.
    var defaultLimit: String {
        switch self {
        case .signInPerIP: "20/m"
        case .signInFailuresPerAccount: "10/h"
        case .registerPerIP: "20/h"
        case .tokenPerIP: "120/m"
        case .tokenFailuresPerClient: "30/m"
        }
    }

    /// What the refusal tells the caller (followed by when to retry).
    var refusal: String {
        switch self {
        case .signInPerIP: "Too many sign-in attempts from your address"
        case .signInFailuresPerAccount: "Too many failed sign-in attempts for this account"
        case .registerPerIP: "too many client registrations from this address"
        case .tokenPerIP: "too many token requests from this address"
        case .tokenFailuresPerClient: "too many failed token requests for this client"
        }
    }
}
