/*
 * Loaded before libfaketime (LD_PRELOAD=this:libfaketime.so.1) on hosts whose clock faultline fakes.
 *
 * Why it exists: faultline fakes only the wall clock (FAKETIME_DONT_FAKE_MONOTONIC=1), as a real
 * clock step does: NTP steps CLOCK_REALTIME and never CLOCK_MONOTONIC. Debian's libfaketime 0.9.10
 * then mishandles waits on the monotonic clock (its issue #426 and the cause of its PR #503):
 * clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) fails with EINVAL (Python 3.11's time.sleep), and
 * pthread_cond_timedwait on a CLOCK_MONOTONIC condition variable returns at once (the JVM's
 * Object.wait and LockSupport.parkNanos: an idle ZooKeeper server then spins a whole core). A wait on
 * the monotonic clock has nothing to fake, so these two calls go straight to the C library when they
 * concern the monotonic clock, and to libfaketime otherwise. Measured in docs/CLOCKS.md.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <time.h>

typedef int (*sleep_fn)(clockid_t, int, const struct timespec *, struct timespec *);
typedef int (*wait_fn)(pthread_cond_t *, pthread_mutex_t *, const struct timespec *);

/* The C library's own definition, not the next one in the preload chain (that is libfaketime's). */
static void *from_libc(const char *name) {
  void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  return libc ? dlsym(libc, name) : NULL;
}

static int is_monotonic(clockid_t clock) {
  return clock == CLOCK_MONOTONIC || clock == CLOCK_MONOTONIC_RAW || clock == CLOCK_MONOTONIC_COARSE || clock == CLOCK_BOOTTIME;
}

int clock_nanosleep(clockid_t clock, int flags, const struct timespec *request, struct timespec *remain) {
  static sleep_fn libc_sleep, faked_sleep;
  if (!libc_sleep) {
    faked_sleep = (sleep_fn)dlsym(RTLD_NEXT, "clock_nanosleep");
    libc_sleep = (sleep_fn)from_libc("clock_nanosleep");
  }
  return (is_monotonic(clock) || !faked_sleep ? libc_sleep : faked_sleep)(clock, flags, request, remain);
}

/* glibc keeps a condition variable's clock in bit 1 of __wrefs (nptl/pthread_cond_common.c). */
int pthread_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex, const struct timespec *deadline) {
  static wait_fn libc_wait, faked_wait;
  if (!libc_wait) {
    faked_wait = (wait_fn)dlsym(RTLD_NEXT, "pthread_cond_timedwait");
    libc_wait = (wait_fn)from_libc("pthread_cond_timedwait");
  }
  int monotonic = (cond->__data.__wrefs >> 1) & 1;
  return (monotonic || !faked_wait ? libc_wait : faked_wait)(cond, mutex, deadline);
}
