#ifndef GONGFU_CLIBCRYPTO_SHIM_H
#define GONGFU_CLIBCRYPTO_SHIM_H
// OpenSSL's SHA-256 with its context on the caller's stack: the Merkle tree hashes two to three
// short inputs per event, and a context allocated per hash (swift-crypto's SHA256) cost more
// than the compression itself. OpenSSL 3 marks these functions deprecated in favour of EVP,
// which dispatches through providers on every call; they remain supported in 3.x.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#endif
