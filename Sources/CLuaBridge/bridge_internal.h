// What the bridge's C files share and Swift never sees: the per-state record and its accessor.
#ifndef BKUP_BRIDGE_INTERNAL_H
#define BKUP_BRIDGE_INTERNAL_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include "CLuaBridge.h"

// Everything bkup keeps per Lua state. The allocator's `ud` and the extra space of every
// thread point at it.
typedef struct bkup_state {
  size_t used;
  size_t limit;
  int swift_owned;                    // > 0 while a Swift frame owns the stack
  volatile sig_atomic_t interrupted;  // a stop is pending: the hook raises on every instruction
  volatile sig_atomic_t stop_kind;    // BKUP_STOP_*: why
  const char *volatile reason;
  lua_State *volatile running;
  void *host;
  // Limits of the current run (0 = none).
  uint64_t instruction_limit;
  volatile uint64_t instructions;     // executed so far, counted in hook steps
  int hook_step;
  int64_t deadline_ns;                // CLOCK_MONOTONIC
  double limit_seconds;               // the time limit as given, for its message (0: none)
  int memory_check;                   // the allocator went over the cap while Swift owned the stack
  int refused;                        // the allocator refused failed_size bytes (Lua owned the stack)
  const void *failed_ptr;             // the last refused allocation, to recognise Lua's retry after
  size_t failed_size;                 // its emergency collection
  int exit_code;
  char reason_buf[200];
  // What the host calls each limit, as " (--timeout)" after its message ("" by default), and
  // the messages that must exist before a stop is made from another thread.
  char limit_suffix[4][48];
  char timeout_message[120];
  char uncounted_message[200];
  // Standard output redirected to the host's sink (bkup_capture_stdout), and what io had.
  FILE *captured_stdout;
  FILE *original_stdout;
  // Warnings, as lua.c's warnfoff/warnfon/warnfcont (per state), gathered piece by piece
  // until the last one.
  int warn_mode;
  char *warn_buf;
  size_t warn_len;
} bkup_state;

static inline bkup_state *state_of(lua_State *L) {
  return *(bkup_state **)lua_getextraspace(L);
}

// Runs f under lua_pcallk with the stack handed to Lua (the memory cap is hard), tracking the
// running thread so that a stop reaches the code it runs. (protected.c)
int bkup_protected_call(lua_State *L, int nargs, int nresults, int msgh);

// load, loadfile, dofile and package's loaders as modules.c describes. (modules.c)
void bkup_install_module_rules(lua_State *L);
// luaL_argerror that also names a function by the host's module holding it. (modules.c)
int bkup_argerror(lua_State *L, int arg, const char *extramsg);

// The hook that enforces stops and limits, and arming it on a thread. (stops.c)
void bkup_hook(lua_State *L, lua_Debug *ar);
void bkup_arm(bkup_state *s, lua_State *co);
void bkup_record_stop(bkup_state *s, int kind, const char *message);
void bkup_memory_stop(bkup_state *s);
// Remembers io's stdout handle (after the libraries open), and closes the sink stream once the
// state is gone. (output.c)
void bkup_remember_stdout(lua_State *L);
void bkup_release_captured_stdout(bkup_state *s);

// Formats the fixed stop messages with the limits' names (at creation, and when they change).
void bkup_format_stop_messages(bkup_state *s);

#endif
