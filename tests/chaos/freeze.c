/*
 * freeze.c - an LD_PRELOAD library for the chaos suite: a process that
 * takes SQLite's WAL write lock while the file named by $CHAOS_FREEZE
 * exists removes that file and stops itself with SIGSTOP, holding the
 * lock, in the middle of its write transaction (a heartbeat, a report, a
 * plan).  The trial continues it with SIGCONT.  Nothing else changes:
 * every fcntl() goes to the C library's.
 *
 * SQLite's unix VFS takes the WAL write lock as an exclusive fcntl()
 * lock on byte 120 of the -shm file (UNIX_SHM_BASE + WAL_WRITE_LOCK),
 * through the symbol fcntl64 in glibc 2.28 and later, fcntl before.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WAL_WRITE_LOCK_BYTE 120

typedef int (*fcntl_fn)(int, int, ...);

static void after_lock(int fd, int cmd, void *arg, int rc)
{
	if (rc != 0 || (cmd != F_SETLK && cmd != F_SETLKW) || arg == NULL)
		return;
	const struct flock *fl = arg;
	if (fl->l_type != F_WRLCK || fl->l_start != WAL_WRITE_LOCK_BYTE)
		return;
	const char *trigger = getenv("CHAOS_FREEZE");
	/* One shot: of threads racing here, one removes the file. */
	if (trigger == NULL || unlink(trigger) != 0)
		return;
	char link[64], path[1024];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	path[n > 0 ? n : 0] = '\0';
	dprintf(2, "chaos-freeze: stopped holding the WAL write lock of %s\n",
	        path);
	kill(getpid(), SIGSTOP);
	dprintf(2, "chaos-freeze: continued\n");
}

static int call(const char *sym, fcntl_fn *real, int fd, int cmd, void *arg)
{
	if (*real == NULL)
		*real = (fcntl_fn)dlsym(RTLD_NEXT, sym);
	int rc = (*real)(fd, cmd, arg);
	after_lock(fd, cmd, arg, rc);
	return rc;
}

int fcntl64(int fd, int cmd, ...);

int fcntl64(int fd, int cmd, ...)
{
	static fcntl_fn real;
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return call("fcntl64", &real, fd, cmd, arg);
}

int fcntl(int fd, int cmd, ...)
{
	static fcntl_fn real;
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return call("fcntl", &real, fd, cmd, arg);
}
