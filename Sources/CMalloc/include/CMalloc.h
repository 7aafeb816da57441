#ifndef CMALLOC_H
#define CMALLOC_H
#include <stddef.h>

/* glibc malloc controls that Swift's Glibc module does not import (<malloc.h>). */

/* Bytes the process has allocated with malloc and not freed (mallinfo2). */
size_t heap_bytes_in_use(void);

/* Serves every allocation of `bytes` or more with its own mapping, returned to the system when
   freed; a fixed threshold also stops glibc from raising it after large frees (mallopt). */
int map_allocations_from(size_t bytes);

#endif
