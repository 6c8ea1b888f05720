// COpenSSL: OpenSSL headers plus static-inline wrappers for the function-like macros Swift cannot import.
// No logic lives here.
#ifndef PIXELGATE_COPENSSL_SHIM_H
#define PIXELGATE_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <openssl/crypto.h>

static inline long pg_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
static inline long pg_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}
static inline long pg_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}
static inline long pg_SSL_CTX_set_options(SSL_CTX *ctx, long opts) {
    return SSL_CTX_set_options(ctx, opts);
}
static inline int pg_EVP_CTRL_GCM_SET_IVLEN(void) { return EVP_CTRL_GCM_SET_IVLEN; }
static inline int pg_EVP_CTRL_GCM_GET_TAG(void) { return EVP_CTRL_GCM_GET_TAG; }
static inline int pg_EVP_CTRL_GCM_SET_TAG(void) { return EVP_CTRL_GCM_SET_TAG; }
static inline int pg_TLS1_2_VERSION(void) { return TLS1_2_VERSION; }
#endif
