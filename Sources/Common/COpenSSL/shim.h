#ifndef JUNCTION_COPENSSL_SHIM_H
#define JUNCTION_COPENSSL_SHIM_H
// The system's OpenSSL (Debian's libssl-dev), for Redis over TLS. Swift cannot call the
// macros below, so they are wrapped as inline functions.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

static inline long junction_ssl_set_sni(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}

static inline long junction_ssl_ctx_set_min_tls12(SSL_CTX *ctx) {
    return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

static inline long junction_ssl_set_partial_write_modes(SSL *ssl) {
    return SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}
#endif
