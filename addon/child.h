/* The plan interpreter that runs in the cloned child, and what the parent prepares for it. */
#ifndef TSRUNC_CHILD_H
#define TSRUNC_CHILD_H

#include <limits.h>
#include <stddef.h>
#include "plan.h"

/* Everything the child needs, prepared (and allocated) by the parent before clone. After clone the
 * child only reads this and writes into its fixed buffers. */
struct tsr_prepared {
  const struct tsr_plan_header *hdr;
  const struct tsr_op *ops;
  const char *str; /* string table */
  uint32_t str_len;
  char **argv; /* built from the EXEC op before clone */
  char **envp;
  int sock; /* child's end of the sync socket */
  int rootfd; /* OPEN_ROOT */
  int fifofd; /* OPEN_FIFO (O_PATH), then the opened write end after WAIT_FIFO */
  int fifo_open; /* 1 once WAIT_FIFO succeeded: errors go to the fifo, not the socket */
  int detached; /* 1 once ACK was sent: the runtime is gone, errors go to stderr */
  int devnull; /* the container's /dev/null, verified to be the null device (first MASK_PATH) */
  int procfd; /* a procfs root verified by fd, for every write into procfs (open_procfs) */
  int fddir; /* /proc/<self>/fd under procfd, resolved before seccomp for WAIT_FIFO (-1: not yet) */
  int cwd_pending; /* CHDIR a0=1 met EACCES/EPERM: CHDIR a0=2 tries again as the process user */
  char exec_path[PATH_MAX];
  char path_buf[PATH_MAX];
  char link_buf[PATH_MAX];
  char tmp_buf[PATH_MAX];
  char fd_path[64];
  char mount_data[PATH_MAX]; /* MOUNT with TSR_MNT_DIR_MODE: "mode=0NNNN,<data>" */
  char home_env[PATH_MAX + 8]; /* SET_HOME's "HOME=..." entry, put into envp (which has a spare slot) */
};

/* Parse and check a plan buffer (before clone). Returns 0 or -1 with *why set to a static string. */
int tsr_prepare(struct tsr_prepared *p, const void *buf, size_t len, const char **why);
void tsr_release(struct tsr_prepared *p);

/* Runs in the child; never returns. */
__attribute__((noreturn)) void tsr_child_main(struct tsr_prepared *p);

#endif
