// Stops and limits. A stop is sticky: from the next instruction on, every instruction raises
// the stop's message, in every coroutine, until bkup_clear_interrupt; so no pcall can swallow it.
#ifndef BKUP_STOPS_H
#define BKUP_STOPS_H

#include <stdint.h>
#include <lua.h>

#define BKUP_STOP_NONE         0
#define BKUP_STOP_INTERRUPT    1  // Ctrl-C, host.interrupt(), a closed host
#define BKUP_STOP_TIMEOUT      2
#define BKUP_STOP_INSTRUCTIONS 3
#define BKUP_STOP_MEMORY       4
#define BKUP_STOP_TASKS        5
#define BKUP_STOP_EXIT         6  // os.exit: the run ends cleanly with exit_code
#define BKUP_STOP_SIGNAL       7  // Ctrl-C as lua.c has it: one "interrupted!" error, catchable

// Interrupts: safe to call from another thread or a signal handler. `reason` must be static.
void bkup_interrupt(lua_State *L, const char *reason);
void bkup_stop_async(lua_State *L, int kind, const char *reason);
// The deadline's message (it lives as long as the state).
const char *bkup_timeout_message(lua_State *L);
// A stop from the Lua thread (the message is copied).
void bkup_stop(lua_State *L, int kind, const char *message, int exit_code);
int bkup_stop_kind(lua_State *L);
const char *bkup_stop_reason(lua_State *L);
int bkup_exit_code(lua_State *L);
// Limits for the run that starts now: an instruction budget, enforced by a count hook in every
// coroutine, and a wall-clock deadline in seconds from now (0 = none), which the host's
// watchdog enforces with bkup_stop_async.
void bkup_set_limits(lua_State *L, uint64_t instructions, double seconds);
// Stops the run if its deadline has passed (for when no Lua code runs: tasks waiting on I/O).
// Returns whether a stop is pending.
int bkup_check_deadline(lua_State *L);
// Clears a pending interrupt so that the next run starts clean.
void bkup_clear_interrupt(lua_State *L);
int bkup_interrupted(lua_State *L);
// Instructions counted so far in this run (in hook steps). Readable from another thread.
uint64_t bkup_instructions(lua_State *L);
// Whether Lua code (or a C function it called) is running now, as opposed to the host waiting
// on I/O between resumes. Readable from another thread.
int bkup_in_vm(lua_State *L);
// The message of an instruction stop made from outside (the hook could not count: C code, a
// finalizer, a message handler); it lives as long as the state.
const char *bkup_instructions_message(lua_State *L);
// What the host calls each limit's setting (a command line's "--timeout"), added to the limit's
// message in parentheses; NULL or "" adds nothing. Before runs: a watchdog reads the messages.
void bkup_set_limit_names(lua_State *L, const char *timeout, const char *instructions, const char *memory,
                          const char *tasks);
// The suffix for a limit (BKUP_STOP_TIMEOUT ... BKUP_STOP_TASKS): " (--timeout)" or "".
const char *bkup_limit_suffix(lua_State *L, int kind);

// Whether a stop is a Ctrl-C (one-shot); clears it, as raising it would.
int bkup_consume_signal(lua_State *L);
// SIGINT interrupts the state's running script as in lua.c: one catchable "interrupted!"
// error at the next instruction; a second Ctrl-C kills.
void bkup_install_sigint(lua_State *L);
void bkup_restore_sigint(void);

#endif
