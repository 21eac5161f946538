/*
 * libFuzzer harness for the plan decoder (addon/child.c tsr_prepare) and every op's arguments: the
 * plan buffer is the contract between TypeScript and the child (addon/plan.h), so a buffer that
 * tsr_prepare accepts must never make the child read outside it. Runs without privileges: nothing
 * is executed; after a successful tsr_prepare the harness reads every byte the child's op would
 * read (strings up to their NUL, blobs by their length, the exec vectors), under AddressSanitizer,
 * from a heap copy of exactly the input's size, so any read past the buffer is a crash.
 *
 * Build and run: `make fuzz FUZZ_SECONDS=60`. Crashes become inputs in fuzz/regressions/, which
 * `make test` replays (fuzz/README.md).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>

#include "../addon/child.h"

static volatile unsigned char sink;

static void touch(const char *b, size_t n) {
  for (size_t k = 0; k < n; k++) sink ^= (unsigned char)b[k];
}

static void touch_str(const struct tsr_prepared *p, uint32_t off) {
  if (off == TSR_NO_STR) return;
  touch(p->str + off, strlen(p->str + off) + 1);
}

/* What the child reads for op `op`, beyond its own fields (addon/child.c tsr_child_main). */
static void read_like_child(const struct tsr_prepared *p, const struct tsr_op *op) {
  switch (op->code) {
    case TSR_OP_SETGROUPS:
      if (op->a[0] <= 1024) touch(p->str + op->s[0], (size_t)op->a[0] * 4); /* more: the child fails E2BIG */
      return;
    case TSR_OP_SECCOMP:
      touch(p->str + op->s[0], (size_t)(unsigned short)op->a[0] * sizeof(struct sock_filter));
      return;
    case TSR_OP_SCHED_SETATTR: {
      /* sched_setattr(2) reads the struct's own size field, then that many bytes */
      uint32_t size;
      memcpy(&size, p->str + op->s[0], sizeof size);
      touch(p->str + op->s[0], size ? size : 48);
      return;
    }
    case TSR_OP_SETAFFINITY: touch(p->str + op->s[0], (size_t)op->a[0]); return;
    case TSR_OP_SET_MEMPOLICY:
      /* the kernel reads maxnode - 1 bits of the nodemask, in whole unsigned longs */
      if (op->a[0] && op->a[2] > 1) touch(p->str + op->s[0], ((size_t)op->a[2] - 1 + 63) / 64 * 8);
      return;
    case TSR_OP_EXEC:
      for (char **v = p->argv; *v; v++) touch(*v, strlen(*v) + 1);
      for (char **v = p->envp; *v; v++) touch(*v, strlen(*v) + 1);
      return;
    default:
      for (int k = 0; k < 4; k++) touch_str(p, op->s[k]);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* An exact-size heap copy (aligned by malloc as the addon's buffer is), so ASan sees any overrun. */
  void *buf = malloc(size ? size : 1);
  if (!buf) return 0;
  memcpy(buf, data, size);
  struct tsr_prepared p;
  const char *why = NULL;
  if (tsr_prepare(&p, buf, size, &why) == 0) {
    for (uint32_t i = 0; i < p.hdr->nops; i++) read_like_child(&p, &p.ops[i]);
  }
  tsr_release(&p);
  free(buf);
  return 0;
}
