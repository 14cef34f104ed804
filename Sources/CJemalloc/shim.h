#ifndef GONGFU_CJEMALLOC_SHIM_H
#define GONGFU_CJEMALLOC_SHIM_H
// jemalloc, from Debian's libjemalloc-dev (built without a symbol prefix: linked into an
// executable, its malloc and free replace glibc's for the whole process).
#include <jemalloc/jemalloc.h>
#endif
