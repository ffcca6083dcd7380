#pragma once

#if defined(__linux__)
#include <pthread.h>
#endif

namespace medclaim {

/// Names the calling thread (at most 15 bytes) for `top -H`, `ps -L`, perf and gdb:
/// mc-work (parsing, settling and finishing jobs), mc-write (writing
/// behind). Does nothing where it cannot.
inline void name_this_thread(const char* name) {
#if defined(__linux__)
    (void)pthread_setname_np(pthread_self(), name);
#else
    (void)name;
#endif
}

}  // namespace medclaim
