// clonevm.h: clone3 with the child on its own stack running fn(arg), for CLONE_VM | CLONE_VFORK
// spawning (posix_spawn's way, glibc sysdeps/unix/sysv/linux/spawni.c): the child shares the
// runtime's memory until its execve, so the kernel copies none of the runtime's page tables and the
// runtime takes no copy-on-write fault on each page it writes afterwards (issue 12: about 500 page
// faults and 14 ms of a `run` on a machine where a fault costs 20 us).
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct clone_args;

/* 1 where this architecture has tsr_clone3_fn (x86_64, aarch64); elsewhere spawn clones as fork. */
extern const int tsr_clone_fn_supported;

/* clone3(args, size). The parent gets the child's pid, or -errno. The child starts on the stack
 * args->stack .. +stack_size (required), runs fn(arg) and exits with its result: it never returns
 * here, so no frame of the caller is touched by it (what makes vfork-style sharing safe). */
long tsr_clone3_fn(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);

#ifdef __cplusplus
}
#endif
