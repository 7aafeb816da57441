#include "CMalloc.h"
#include <malloc.h>

size_t heap_bytes_in_use(void) {
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

int map_allocations_from(size_t bytes) {
    return mallopt(M_MMAP_THRESHOLD, (int)bytes);
}

void release_free_memory(void) {
    malloc_trim(0);
}
