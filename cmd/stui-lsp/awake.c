//go:build unix

// The server runs itself again with Go's monitor kept awake (monitor.go)
// from here, before Go's runtime starts: from Go it would pay the runtime's
// start and every package's initialization twice, which doubled the time
// from the process's start to its answer to initialize (8 ms more, on a
// 10 ms start).

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __APPLE__
#include <mach-o/dyld.h>
#endif

#include "awake.h"

#define AWAKE_FIELD "schedtrace=2147483647"
static const char before_name[] = "STUI_LSP_GODEBUG_BEFORE";

// value returns the value of name in envp, or NULL.
static const char *value(char **envp, const char *name) {
	size_t n = strlen(name);
	for (char **e = envp; e && *e; e++) {
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
			return *e + n + 1;
		}
	}
	return NULL;
}

// sets_schedtrace reports whether a GODEBUG value has a schedtrace field.
static int sets_schedtrace(const char *godebug) {
	const char *p = godebug;
	while (*p) {
		while (*p == ' ' || *p == '\t') {
			p++;
		}
		if (strncmp(p, "schedtrace=", 11) == 0) {
			return 1;
		}
		const char *comma = strchr(p, ',');
		if (!comma) {
			break;
		}
		p = comma + 1;
	}
	return 0;
}

int stui_wants_awake_monitor(int argc, char **argv, char **envp) {
	if (argc > 1 && strcmp(argv[1], "serve") != 0 && argv[1][0] != '-') {
		return 0;
	}
	if (value(envp, "GOMAXPROCS") || value(envp, before_name)) {
		return 0;
	}
	const char *godebug = value(envp, "GODEBUG");
	return !(godebug && sets_schedtrace(godebug));
}

int stui_editor_pipes(int in, int out, int err) {
	struct stat i, o, e;
	if (fstat(in, &i) != 0 || fstat(out, &o) != 0 || fstat(err, &e) != 0) {
		return 0;
	}
	if (!S_ISFIFO(i.st_mode) && !S_ISSOCK(i.st_mode)) {
		return 0;
	}
	// stderr must not be stdout: the monitor's line of scheduler state
	// would land in the protocol.
#define SAME(a, b) ((a).st_dev == (b).st_dev && (a).st_ino == (b).st_ino)
	return !SAME(i, o) && !SAME(i, e) && !SAME(o, e);
#undef SAME
}

// joined returns a new string a + b + c.
static char *joined(const char *a, const char *b, const char *c) {
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = malloc(n);
	if (s) {
		strcpy(s, a);
		strcat(s, b);
		strcat(s, c);
	}
	return s;
}

char **stui_awake_env(char **envp) {
	size_t n = 0;
	while (envp[n]) {
		n++;
	}
	char **out = calloc(n + 3, sizeof *out);
	if (!out) {
		return NULL;
	}
	size_t k = 0;
	const char *before = NULL;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(envp[i], "GODEBUG=", 8) == 0) {
			before = envp[i] + 8;
			continue;
		}
		if (strncmp(envp[i], before_name, sizeof before_name - 1) == 0 && envp[i][sizeof before_name - 1] == '=') {
			continue;
		}
		out[k++] = envp[i];
	}
	char *godebug = before && *before ? joined("GODEBUG=", before, "," AWAKE_FIELD) : joined("GODEBUG=", AWAKE_FIELD, "");
	char *kept = before ? joined(before_name, "=set:", before) : joined(before_name, "=unset", "");
	if (!godebug || !kept) {
		free(godebug);
		free(kept);
		free(out);
		return NULL;
	}
	out[k++] = godebug;
	out[k++] = kept;
	out[k] = NULL;
	return out;
}

void stui_free_awake_env(char **env) {
	size_t n = 0;
	while (env[n]) {
		n++;
	}
	// The two strings stui_awake_env made come last; the rest are envp's.
	free(env[n - 1]);
	free(env[n - 2]);
	free(env);
}

// glibc and Apple's loader give constructors the process's arguments and
// environment; elsewhere the server keeps the monitor as Go has it.
#if defined(__GLIBC__) || defined(__APPLE__)

// executable writes the path of the running executable into buf, with the
// file's own name (the process is named after the file it runs, and people
// look for stui-lsp, not exe); 0 when it cannot.
static int executable(char *buf, size_t size) {
#ifdef __APPLE__
	char raw[PATH_MAX];
	uint32_t n = sizeof raw;
	if (_NSGetExecutablePath(raw, &n) != 0 || size < PATH_MAX) {
		return 0;
	}
	return realpath(raw, buf) != NULL;
#else
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	if (n <= 0 || (size_t)n >= size - 1) {
		return 0;
	}
	buf[n] = 0;
	// A file replaced since it started: run as it is.
	return access(buf, X_OK) == 0;
#endif
}

static void run_with_awake_monitor(int argc, char **argv, char **envp) {
	if (!stui_wants_awake_monitor(argc, argv, envp) || !stui_editor_pipes(0, 1, 2)) {
		return;
	}
	char exe[PATH_MAX];
	if (!executable(exe, sizeof exe)) {
		return;
	}
	char **env = stui_awake_env(envp);
	if (!env) {
		return;
	}
	execve(exe, argv, env);
	// It did not run: the server runs as it is, which only costs speed.
	stui_free_awake_env(env);
}

__attribute__((constructor)) static void stui_awake_at_start(int argc, char **argv, char **envp) {
	run_with_awake_monitor(argc, argv, envp);
}
#endif
