#ifndef CMALLOC_H
#define CMALLOC_H
#include <stddef.h>

/* glibc malloc controls that Swift's Glibc module does not import (<malloc.h>). */

/* Bytes the process has allocated with malloc and not freed (mallinfo2). */
size_t heap_bytes_in_use(void);

/* Serves every allocation of `bytes` or more with its own mapping, returned to the system when
   freed; a fixed threshold also stops glibc from raising it after large frees (mallopt). */
int map_allocations_from(size_t bytes);

/* Returns the free memory of every malloc arena to the system: free pages inside the heaps too, not
   only at their tops (malloc_trim(0); glibc's mtrim madvises whole free pages). */
void release_free_memory(void);

#endif
