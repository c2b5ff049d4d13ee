// Stops, limits and the hook that enforces them. As lua.c's laction/lstop, but sticky: once a
// run is stopped, every Lua instruction raises again, so a script's own pcall cannot swallow it.
#include "bridge_internal.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

// The count hook runs only for an instruction budget: with a hook set, Lua's VM takes a slow
// path on every instruction. A deadline alone costs nothing until it passes (bkup_stop_async
// from a watchdog, and bkup_check_deadline while tasks wait on I/O).
static int limits_active(bkup_state *s) { return s->instruction_limit != 0; }

void bkup_memory_stop(bkup_state *s) {
  char message[160];
  snprintf(message, sizeof message, "memory limit exceeded: the script needs more than %zu bytes%s", s->limit,
           s->limit_suffix[BKUP_STOP_MEMORY - BKUP_STOP_TIMEOUT]);
  bkup_record_stop(s, BKUP_STOP_MEMORY, message);
}

// Records why the run stops and arms the hook on the running thread. Not for signal handlers
// (it formats into the state): those use bkup_interrupt.
void bkup_record_stop(bkup_state *s, int kind, const char *message) {
  if (s->interrupted) return;  // the first reason wins
  snprintf(s->reason_buf, sizeof s->reason_buf, "%s", message);
  s->reason = s->reason_buf;
  s->stop_kind = kind;
  s->interrupted = 1;
  if (s->running) lua_sethook(s->running, bkup_hook, LUA_MASKCOUNT, 1);
}

void bkup_arm(bkup_state *s, lua_State *co) {
  if (s->interrupted || s->memory_check || s->refused) lua_sethook(co, bkup_hook, LUA_MASKCOUNT, 1);
  else if (limits_active(s) && lua_gethook(co) != bkup_hook) lua_sethook(co, bkup_hook, LUA_MASKCOUNT, s->hook_step);
}

void bkup_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  bkup_state *s = state_of(L);
  if (!s->interrupted && (s->memory_check || s->refused)) {
    size_t wanted = s->refused ? s->failed_size : 0;
    s->memory_check = 0;
    s->refused = 0;
    lua_gc(L, LUA_GCCOLLECT);
    if (s->limit && s->used + wanted > s->limit) bkup_memory_stop(s);
  }
  if (!s->interrupted) {
    if (!limits_active(s)) {
      lua_sethook(L, NULL, 0, 0);
      return;
    }
    s->instructions += (uint64_t)lua_gethookcount(L);
    char message[160];
    if (s->instruction_limit && s->instructions > s->instruction_limit) {
      snprintf(message, sizeof message, "instruction limit exceeded: the script ran more than %llu instructions%s",
               (unsigned long long)s->instruction_limit, s->limit_suffix[BKUP_STOP_INSTRUCTIONS - BKUP_STOP_TIMEOUT]);
      bkup_record_stop(s, BKUP_STOP_INSTRUCTIONS, message);
    } else if (s->deadline_ns && monotonic_ns() >= s->deadline_ns) {
      bkup_record_stop(s, BKUP_STOP_TIMEOUT, s->timeout_message);
    } else {
      if (lua_gethookcount(L) != s->hook_step) lua_sethook(L, bkup_hook, LUA_MASKCOUNT, s->hook_step);
      return;
    }
  }
  if (s->stop_kind == BKUP_STOP_SIGNAL) {
    // Ctrl-C as lua.c: one error, which a pcall may catch; the run goes on afterwards.
    s->interrupted = 0;
    s->stop_kind = BKUP_STOP_NONE;
    s->reason = NULL;
    lua_sethook(L, NULL, 0, 0);
    bkup_arm(s, L);
    lua_pushliteral(L, "interrupted!");
    lua_error(L);
  }
  // Sticky: raise again at every instruction, so that no pcall can swallow the stop.
  lua_sethook(L, bkup_hook, LUA_MASKCOUNT, 1);
  lua_pushstring(L, s->reason ? s->reason : "interrupted!");
  lua_error(L);
}

int bkup_consume_signal(lua_State *L) {
  bkup_state *s = state_of(L);
  if (!s->interrupted || s->stop_kind != BKUP_STOP_SIGNAL) return 0;
  s->interrupted = 0;
  s->stop_kind = BKUP_STOP_NONE;
  s->reason = NULL;
  return 1;
}

void bkup_stop_async(lua_State *L, int kind, const char *reason) {
  bkup_state *s = state_of(L);
  if (s->interrupted) return;
  s->reason = reason;
  s->stop_kind = kind;
  s->interrupted = 1;
  // As lua.c's laction: setting a hook is safe from a signal handler or another thread. A
  // thread resumed after this point is armed by bkup_resume, which sees `interrupted`.
  lua_State *r = s->running ? s->running : L;
  lua_sethook(r, bkup_hook, LUA_MASKCOUNT, 1);
}

void bkup_interrupt(lua_State *L, const char *reason) { bkup_stop_async(L, BKUP_STOP_INTERRUPT, reason); }

const char *bkup_timeout_message(lua_State *L) { return state_of(L)->timeout_message; }

void bkup_stop(lua_State *L, int kind, const char *message, int exit_code) {
  bkup_state *s = state_of(L);
  if (s->interrupted) return;
  s->exit_code = exit_code;
  bkup_record_stop(s, kind, message);
}

int bkup_stop_kind(lua_State *L) { return state_of(L)->interrupted ? state_of(L)->stop_kind : BKUP_STOP_NONE; }
const char *bkup_stop_reason(lua_State *L) { return state_of(L)->reason; }
int bkup_exit_code(lua_State *L) { return state_of(L)->exit_code; }
uint64_t bkup_instructions(lua_State *L) { return state_of(L)->instructions; }
int bkup_in_vm(lua_State *L) { return state_of(L)->running != NULL; }
const char *bkup_instructions_message(lua_State *L) { return state_of(L)->uncounted_message; }

void bkup_format_stop_messages(bkup_state *s) {
  // The limit's own number, so that a log line says which deadline passed.
  char limit[48] = "";
  if (s->limit_seconds > 0) snprintf(limit, sizeof limit, " of %.10g s", s->limit_seconds);
  snprintf(s->timeout_message, sizeof s->timeout_message, "time limit exceeded: the script ran past its deadline%s%s",
           limit, s->limit_suffix[BKUP_STOP_TIMEOUT - BKUP_STOP_TIMEOUT]);
  snprintf(s->uncounted_message, sizeof s->uncounted_message,
           "instruction limit exceeded: the script ran past its instruction budget where no instruction can be counted%s",
           s->limit_suffix[BKUP_STOP_INSTRUCTIONS - BKUP_STOP_TIMEOUT]);
}

void bkup_set_limit_names(lua_State *L, const char *timeout, const char *instructions, const char *memory,
                          const char *tasks) {
  bkup_state *s = state_of(L);
  const char *names[4] = {timeout, instructions, memory, tasks};
  for (int i = 0; i < 4; i++) {
    if (names[i] == NULL || names[i][0] == '\0') s->limit_suffix[i][0] = '\0';
    else snprintf(s->limit_suffix[i], sizeof s->limit_suffix[i], " (%s)", names[i]);
  }
  bkup_format_stop_messages(s);
}

const char *bkup_limit_suffix(lua_State *L, int kind) {
  if (kind < BKUP_STOP_TIMEOUT || kind > BKUP_STOP_TASKS) return "";
  return state_of(L)->limit_suffix[kind - BKUP_STOP_TIMEOUT];
}

/* The monotonic time `seconds` from now, saturating: converting a double outside int64 to an
   integer is undefined behaviour, and a deadline past int64 nanoseconds (292 years) is never
   reached anyway. Zero (no deadline) for anything not positive, NaN included. */
static int64_t deadline_after(double seconds) {
  if (!(seconds > 0)) return 0;
  int64_t now = monotonic_ns();
  double ns = seconds * 1e9;
  if (!(ns < (double)(INT64_MAX - now))) return INT64_MAX;
  return now + (int64_t)ns;
}

void bkup_set_limits(lua_State *L, uint64_t instructions, double seconds) {
  bkup_state *s = state_of(L);
  s->instruction_limit = instructions;
  s->instructions = 0;
  s->hook_step = (instructions > 0 && instructions < 1000) ? (int)instructions : 1000;
  s->deadline_ns = deadline_after(seconds);
  s->limit_seconds = s->deadline_ns ? seconds : 0;
  bkup_format_stop_messages(s);
  bkup_arm(s, L);
}

int bkup_check_deadline(lua_State *L) {
  bkup_state *s = state_of(L);
  if (!s->interrupted && s->deadline_ns && monotonic_ns() >= s->deadline_ns) {
    bkup_record_stop(s, BKUP_STOP_TIMEOUT, s->timeout_message);
  }
  return s->interrupted;
}

void bkup_clear_interrupt(lua_State *L) {
  bkup_state *s = state_of(L);
  s->interrupted = 0;
  s->stop_kind = BKUP_STOP_NONE;
  s->reason = NULL;
  s->memory_check = 0;
  s->refused = 0;
  s->exit_code = 0;
  s->instruction_limit = 0;
  s->deadline_ns = 0;
  lua_sethook(L, NULL, 0, 0);
}

int bkup_interrupted(lua_State *L) { return state_of(L)->interrupted; }

/* SIGINT: as lua.c, the first Ctrl-C interrupts the running script; SA_RESETHAND makes a
 * second one kill the process. */
static lua_State *volatile g_sigint_state;
static struct sigaction g_old_sigint;

static void on_sigint(int sig) {
  (void)sig;
  lua_State *L = g_sigint_state;
  if (L) bkup_stop_async(L, BKUP_STOP_SIGNAL, "interrupted!");
}

void bkup_install_sigint(lua_State *L) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  g_sigint_state = L;
  sigaction(SIGINT, &sa, &g_old_sigint);
}

void bkup_restore_sigint(void) {
  g_sigint_state = NULL;
  sigaction(SIGINT, &g_old_sigint, NULL);
}
