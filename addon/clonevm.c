// clonevm.c: tsr_clone3_fn (clonevm.h). clone3 has no libc wrapper that takes a function (glibc's
// __clone3 is internal), and a child that shares the caller's memory cannot return into the
// caller's C frames, so the two instructions around the syscall are assembly, as in glibc's
// sysdeps/unix/sysv/linux/{x86_64,aarch64}/clone3.S: the syscall leaves every register but the
// result (and rcx/r11 on x86_64) as it was, in the parent and in the child, so fn and arg travel in
// registers onto the child's new stack.
#include "clonevm.h"

#include <errno.h>

// The function's prologue (the same on both architectures but for the @function/%function type).
#define TSR_CLONE3_FN_BEGIN(type) \
  ".text\n"                       \
  ".p2align 4\n"                  \
  ".globl tsr_clone3_fn\n"        \
  ".hidden tsr_clone3_fn\n"       \
  ".type tsr_clone3_fn," type     \
  "\n"                            \
  "tsr_clone3_fn:\n"

#if defined(__x86_64__)
const int tsr_clone_fn_supported = 1;
// rdi = args, rsi = size, rdx = fn, rcx = arg (rcx is clobbered by syscall: move fn and arg to r8, r9).
__asm__(TSR_CLONE3_FN_BEGIN("@function")
    "  mov %rdx, %r8\n"
    "  mov %rcx, %r9\n"
    "  mov $435, %eax\n"  // __NR_clone3
    "  syscall\n"
    "  test %rax, %rax\n"
    "  jz 1f\n"
    "  ret\n"  // the parent: pid or -errno
    "1:\n"  // the child, on args->stack + stack_size (16-byte aligned)
    "  xor %ebp, %ebp\n"
    "  mov %r9, %rdi\n"
    "  call *%r8\n"
    "  mov %eax, %edi\n"
    "  mov $231, %eax\n"  // __NR_exit_group
    "  syscall\n"
    "  hlt\n"
    ".size tsr_clone3_fn, .-tsr_clone3_fn\n");
#elif defined(__aarch64__)
const int tsr_clone_fn_supported = 1;
// x0 = args, x1 = size, x2 = fn, x3 = arg.
__asm__(TSR_CLONE3_FN_BEGIN("%function")
    "  mov x10, x2\n"
    "  mov x11, x3\n"
    "  mov x8, #435\n"  // __NR_clone3
    "  svc #0\n"
    "  cbz x0, 1f\n"
    "  ret\n"
    "1:\n"
    "  mov x29, #0\n"
    "  mov x30, #0\n"
    "  mov x0, x11\n"
    "  blr x10\n"
    "  mov x8, #94\n"  // __NR_exit_group
    "  svc #0\n"
    "  brk #0\n"
    ".size tsr_clone3_fn, .-tsr_clone3_fn\n");
#else
const int tsr_clone_fn_supported = 0;
long tsr_clone3_fn(struct clone_args *args, size_t size, int (*fn)(void *), void *arg) { return -ENOSYS; }
#endif
