// CLibPQ: libpq headers. No logic lives here.
#ifndef PIXELGATE_CLIBPQ_SHIM_H
#define PIXELGATE_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
