/*
 * tsrunc-init: the small static program every container process starts as (the init of `create`,
 * each process of `exec`, each hook run in the container's namespaces). It runs the plan interpreter
 * (child.c) on the plan the runtime passes it, exactly as the cloned runtime used to.
 *
 * Why a program of its own rather than the clone of the runtime (issue 12, issue 9 #1):
 *  - pages: a clone of the 112 MB Bun runtime shares its whole heap copy-on-write; every page the
 *    interpreter touches faults (about 600 faults per container here, ~20 us each), and once the
 *    runtime exits, the waiting init owns all of it (Pss about 8.7 MB per created container). This
 *    program is a fresh, single-threaded, static process: a few dozen pages. It is linked with musl
 *    (scripts/build-init.sh): 62 kB, the waiting init ~120 kB Pss; a static glibc pulled in 727 kB
 *    of start-up, locale and stdio code, all of it copied per container and resident in the init.
 *  - /proc/<pid>/exe (CVE-2019-5736 class): the runtime executes this program from a sealed memfd
 *    copy made for the call (addon/binding.cc), so a container process that opens the exe of a
 *    process entering the container reaches a private, write-sealed copy, never a file on the host.
 *    The copy costs microseconds because the program is small; a copy of the runtime would not be
 *    (runc#3973).
 *  - it is single-threaded, so what child.c must avoid after a clone of a threaded parent (malloc,
 *    stdio, locks) would be safe here; child.c keeps its rules anyway, since the same code is also
 *    checked by tsr_prepare in the runtime before it clones.
 *
 * Usage (only the runtime calls it): tsrunc-init PLAN_FD SOCK_FD INHERITABLE|- [LABEL]. PLAN_FD holds
 * the serialized plan (addon/plan.h); SOCK_FD is the child's end of the sync socket; INHERITABLE is
 * the runtime's inheritable capability set when a new user namespace needs it restored (below);
 * LABEL is for ps(1). Signals arrive blocked (the runtime
 * blocks them all before it clones); child.c resets dispositions and unblocks just before execve.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"

static int parse_fd(const char *s) {
  char *end;
  long v = strtol(s, &end, 10);
  return (*s && !*end && v >= 0 && v < 1 << 20) ? (int)v : -1;
}

/* Report to the runtime, in the sync protocol, why the plan could not even start. */
static void refuse(int sock, int err, const char *why) {
  struct tsr_sync m;
  memset(&m, 0, sizeof m);
  m.type = TSR_SYNC_ERROR;
  m.op = ~0u;
  m.err = err;
  strncpy(m.text, why, sizeof m.text - 1);
  if (sock >= 0) (void)!send(sock, &m, sizeof m, MSG_NOSIGNAL);
  _exit(127);
}

/* A new user namespace: the runtime's child raised its capabilities as ambient ones so that this
 * execve, as a user the namespace does not map yet, kept them (addon/binding.cc). Put the
 * inheritable set back to the runtime's and clear the ambient set: from here on the capabilities are
 * exactly those a clone of the runtime would have had in the new namespace. */
static void restore_caps(int sock, const char *inheritable_hex) {
  char *end;
  unsigned long long inh = strtoull(inheritable_hex, &end, 16);
  if (!*inheritable_hex || *end) refuse(sock, EINVAL, "tsrunc-init: bad inheritable set");
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &h, d) < 0) refuse(sock, errno, "tsrunc-init: capget");
  d[0].inheritable = (uint32_t)inh;
  d[1].inheritable = (uint32_t)(inh >> 32);
  if (syscall(SYS_capset, &h, d) < 0) refuse(sock, errno, "tsrunc-init: capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    refuse(sock, errno, "tsrunc-init: clear ambient capabilities");
}

/* argv: PLAN_FD SOCK_FD INHERITABLE|- [LABEL...] */
int main(int argc, char **argv) {
  int planfd = argc >= 4 ? parse_fd(argv[1]) : -1, sock = argc >= 4 ? parse_fd(argv[2]) : -1;
  if (planfd < 0 || sock < 0) refuse(sock, EINVAL, "tsrunc-init: only the runtime starts this program");
  if (strcmp(argv[3], "-") != 0) restore_caps(sock, argv[3]);
  struct stat st;
  if (fstat(planfd, &st) < 0) refuse(sock, errno, "tsrunc-init: stat plan");
  size_t len = (size_t)st.st_size;
  void *buf = aligned_alloc(16, (len + 15) & ~(size_t)15);
  if (!buf) refuse(sock, ENOMEM, "tsrunc-init: plan buffer");
  for (size_t off = 0; off < len;) {
    ssize_t n = pread(planfd, (char *)buf + off, len - off, (off_t)off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) refuse(sock, n < 0 ? errno : EIO, "tsrunc-init: read plan");
    off += (size_t)n;
  }
  close(planfd);
  static struct tsr_prepared p;
  const char *why = NULL;
  if (tsr_prepare(&p, buf, len, &why) < 0) refuse(sock, EINVAL, why);
  p.sock = sock;
  tsr_child_main(&p);
}
