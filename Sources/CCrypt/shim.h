// CCrypt: libcrypt's crypt_r(3) for checking password hashes ($y$, $6$, $5$) made by mkpasswd or `openssl passwd -6`.
#ifndef PIXELGATE_CCRYPT_SHIM_H
#define PIXELGATE_CCRYPT_SHIM_H
#include <crypt.h>
#endif
