/*
 * A strobing wall clock, run on the host itself (the ssh runtime): flips a libfaketime control file
 * between two offsets every PERIOD_MS, on an absolute CLOCK_MONOTONIC schedule so the period does not
 * drift, until SIGTERM/SIGINT/SIGHUP, LIMIT_S seconds, or a write failing (the run's folder is gone).
 * Each flip is write-then-rename, so a process reading the file never sees half an offset. When it
 * ends it prints one line: `flips N side K ms E (why)` — K the side the file was left on (0 = A),
 * E the milliseconds it strobed — so the harness knows the offset in force and the flip rate reached.
 *
 * Why on the host: a flip every 10 ms over the SSH connection would cost a round trip each (tens of
 * ms on a real network, more than the period itself), and a shell loop forks two programs per flip.
 * Built next to the wait shim (cc on the host, or the harness's own build when the machine matches).
 *
 * Args: FILE A B PERIOD_MS LIMIT_S, A and B in libfaketime's offset syntax (+60, -0.25).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static int put(const char *file, const char *tmp, const char *offset) {
  char text[64];
  int n = snprintf(text, sizeof text, "%s\n", offset);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  int ok = n > 0 && write(fd, text, (size_t)n) == n;
  if (close(fd) != 0) ok = 0;
  return ok && rename(tmp, file) == 0 ? 0 : -1;
}

static long long ms_between(const struct timespec *a, const struct timespec *b) {
  return (b->tv_sec - a->tv_sec) * 1000LL + (b->tv_nsec - a->tv_nsec) / 1000000;
}

int main(int argc, char **argv) {
  if (argc != 6 || atol(argv[4]) < 1 || atol(argv[5]) < 1) {
    fprintf(stderr, "usage: %s FILE A B PERIOD_MS LIMIT_S\n", argv[0]);
    return 2;
  }
  const char *file = argv[1], *side[2] = {argv[2], argv[3]};
  long period_ms = atol(argv[4]), limit_ms = atol(argv[5]) * 1000L;
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.strobe", file);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);

  struct timespec start, next, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  next = start;
  long flips = 0;
  int at = 0;
  const char *why = "stopped";
  /* the first write fails when the folder went away before the program ran (it is started in the
     background): the same end line as any other end, so whoever stops it learns why */
  if (put(file, tmp, side[0]) != 0) why = strerror(errno);
  else while (!stopping) {
    next.tv_nsec += period_ms * 1000000L;
    while (next.tv_nsec >= 1000000000L) next.tv_nsec -= 1000000000L, next.tv_sec++;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (ms_between(&next, &now) > period_ms) next = now; /* fell behind (a busy machine): no burst to catch up */
    if (ms_between(&start, &next) >= limit_ms) {
      why = "time limit";
      break;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR && !stopping) {}
    if (stopping) break;
    if (put(file, tmp, side[1 - at]) != 0) {
      why = strerror(errno);
      break;
    }
    at = 1 - at;
    flips++;
  }
  clock_gettime(CLOCK_MONOTONIC, &now);
  printf("flips %ld side %d ms %lld (%s)\n", flips, at, ms_between(&start, &now), why);
  return 0;
}
