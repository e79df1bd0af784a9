import AsyncHTTPClient

/// The HTTP client type, named for services that shut it down.
package typealias AsyncHTTPClientShutdown = HTTPClient
