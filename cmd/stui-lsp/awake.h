// The server's start with Go's monitor kept awake (monitor.go): the parts
// the Go side calls, for its tests.

#ifndef STUI_AWAKE_H
#define STUI_AWAKE_H

// 1 when a process started with argv and envp should run itself again with
// the monitor kept awake: it serves LSP (no subcommand), on one slot (no
// GOMAXPROCS), and neither GODEBUG nor an earlier start settled schedtrace.
int stui_wants_awake_monitor(int argc, char **argv, char **envp);

// 1 when stdin is a pipe or a socket, as editors give, and stdin, stdout and
// stderr are three different files.
int stui_editor_pipes(int in, int out, int err);

// envp with the setting added to GODEBUG, and GODEBUG as it was kept in
// STUI_LSP_GODEBUG_BEFORE ("unset", or "set:" and the value): a new array
// of new strings, or NULL when memory runs out.
char **stui_awake_env(char **envp);

// Frees what stui_awake_env made.
void stui_free_awake_env(char **env);

#endif
