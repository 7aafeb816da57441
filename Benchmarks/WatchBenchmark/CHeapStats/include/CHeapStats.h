#ifndef CHEAPSTATS_H
#define CHEAPSTATS_H
#include <stddef.h>

/* Bytes the process has allocated with malloc and not freed (glibc mallinfo2, which Swift's Glibc
   module does not import). */
size_t heap_bytes_in_use(void);

#endif
