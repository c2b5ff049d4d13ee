#include "CLuaBridge.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// Everything bkup keeps per Lua state. The allocator's `ud` and the extra space of every
// thread point at it.
typedef struct bkup_state {
  size_t used;
  size_t limit;
  int swift_owned;                 // > 0 while a Swift frame owns the stack
  volatile sig_atomic_t interrupted;  // a stop is pending: the hook raises on every instruction
  volatile sig_atomic_t stop_kind;    // BKUP_STOP_*: why
  const char *volatile reason;
  lua_State *volatile running;
  void *host;
  // Limits of the current run (0 = none).
  uint64_t instruction_limit;
  uint64_t instructions;           // executed so far, counted in hook steps
  int hook_step;
  int64_t deadline_ns;             // CLOCK_MONOTONIC
  int memory_check;                // the allocator went over the cap while Swift owned the stack
  int refused;                     // the allocator refused failed_size bytes (Lua owned the stack)
  const void *failed_ptr;          // the last refused allocation, to recognise Lua's retry after
  size_t failed_size;              // its emergency collection
  int exit_code;
  char reason_buf[200];
} bkup_state;

static bkup_dispatch_fn g_dispatch;
static bkup_release_fn g_release;

void bkup_install_swift_hooks(bkup_dispatch_fn dispatch, bkup_release_fn release) {
  g_dispatch = dispatch;
  g_release = release;
}

static inline bkup_state *state_of(lua_State *L) {
  return *(bkup_state **)lua_getextraspace(L);
}

void *bkup_get_host(lua_State *L) { return state_of(L)->host; }
void bkup_set_host(lua_State *L, void *host) { state_of(L)->host = host; }

/* ---------------------------------------------------------------------------------------
 * Allocator. Lua code may see an allocation fail (Lua then raises "not enough memory" from C,
 * which is safe). A Swift frame must never see it, because Lua would longjmp across it. So
 * while Swift owns the stack the memory cap is soft: the allocation goes through, and the
 * interrupt hook raises at the next Lua instruction instead. A real malloc failure while Swift
 * owns the stack aborts: there is no safe way to unwind.
 * ------------------------------------------------------------------------------------- */
static void bkup_hook(lua_State *L, lua_Debug *ar);
static void stop(bkup_state *s, int kind, const char *message);

static void memory_stop(bkup_state *s) {
  char message[160];
  snprintf(message, sizeof message, "memory limit exceeded: the script needs more than %zu bytes (--max-memory)", s->limit);
  stop(s, BKUP_STOP_MEMORY, message);
}

static void *bkup_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  bkup_state *s = (bkup_state *)ud;
  size_t old = ptr ? osize : 0;
  if (nsize == 0) {
    free(ptr);
    s->used -= old;
    return NULL;
  }
  if (s->limit && nsize > old && s->used - old + nsize > s->limit) {
    if (s->swift_owned) {
      // Soft: let it through; the hook collects garbage at the next instruction and stops
      // the run if the heap is still over the cap.
      s->memory_check = 1;
      if (s->running) lua_sethook(s->running, bkup_hook, LUA_MASKCOUNT, 1);
    } else if (s->stop_kind == BKUP_STOP_MEMORY) {
      // Already stopping: a little headroom so that error values and tracebacks can exist.
      if (s->used - old + nsize > s->limit + s->limit / 8 + 65536) return NULL;
    } else if (s->refused && s->failed_ptr == ptr && s->failed_size == nsize) {
      // Lua's retry after an emergency collection, and still too big: a real stop.
      s->refused = 0;
      memory_stop(s);
      return NULL;
    } else {
      // Refuse. Lua usually collects garbage and asks again (above); where it raises at once
      // (lauxlib's buffers), the hook collects at the next instruction and stops the run if
      // the request still would not fit.
      s->refused = 1;
      s->failed_ptr = ptr;
      s->failed_size = nsize;
      if (s->running) lua_sethook(s->running, bkup_hook, LUA_MASKCOUNT, 1);
      return NULL;
    }
  }
  void *p = realloc(ptr, nsize);
  if (p == NULL) {
    if (s->swift_owned) {
      fputs("bkup: out of memory while Swift owned the Lua stack; aborting\n", stderr);
      abort();
    }
    return NULL;
  }
  if (s->refused && s->failed_ptr == ptr && s->failed_size == nsize) s->refused = 0;  // the retry fit
  s->used = s->used - old + nsize;
  return p;
}

static int bkup_panic(lua_State *L) {
  const char *msg = lua_tostring(L, -1);
  fprintf(stderr, "bkup: PANIC: unprotected error in call to Lua API (%s)\n", msg ? msg : "?");
  fflush(stderr);
  abort();
  return 0;
}

static int g_warn_on;
static void bkup_warn(void *ud, const char *msg, int tocont) {
  static int continuing;
  (void)ud;
  if (!continuing && !tocont && msg[0] == '@') {
    if (strcmp(msg, "@on") == 0) g_warn_on = 1;
    else if (strcmp(msg, "@off") == 0) g_warn_on = 0;
    return;
  }
  if (g_warn_on) {
    if (!continuing) fputs("Lua warning: ", stderr);
    fputs(msg, stderr);
    if (!tocont) fputs("\n", stderr);
  }
  continuing = tocont;
}

lua_State *bkup_newstate(size_t limit) {
  bkup_state *s = calloc(1, sizeof(bkup_state));
  if (s == NULL) return NULL;
  s->limit = limit;
  s->swift_owned = 1;
  lua_State *L = lua_newstate(bkup_alloc, s);
  if (L == NULL) {
    free(s);
    return NULL;
  }
  *(bkup_state **)lua_getextraspace(L) = s;
  lua_atpanic(L, bkup_panic);
  lua_setwarnf(L, bkup_warn, NULL);
  return L;
}

void bkup_set_memory_limit(lua_State *L, size_t limit) { state_of(L)->limit = limit; }
size_t bkup_memory_in_use(lua_State *L) { return state_of(L)->used; }

int bkup_enter_swift(lua_State *L) {
  bkup_state *s = state_of(L);
  int prev = s->swift_owned;
  s->swift_owned = 1;
  return prev;
}
void bkup_leave_swift(lua_State *L, int previous) { state_of(L)->swift_owned = previous; }

void bkup_close(lua_State *L) {
  bkup_state *s = state_of(L);
  s->swift_owned = 1;
  lua_close(L);
  free(s);
}

/* ---------------------------------------------------------------------------------------
 * Protected calls from Swift. Lua code runs with the stack handed to Lua (hard memory cap).
 * ------------------------------------------------------------------------------------- */
static int protected_call(lua_State *L, int nargs, int nresults, int msgh) {
  bkup_state *s = state_of(L);
  int prev = s->swift_owned;
  s->swift_owned = 0;
  int status = lua_pcallk(L, nargs, nresults, msgh, 0, NULL);
  s->swift_owned = prev;
  return status;
}

static int do_openlibs(lua_State *L) {
  luaL_openlibs(L);
  return 0;
}
int bkup_openlibs(lua_State *L) {
  lua_pushcfunction(L, do_openlibs);
  return protected_call(L, 0, 0, 0);
}

static int do_gettable(lua_State *L) {
  lua_gettable(L, 1);
  return 1;
}
int bkup_pgettable(lua_State *L, int t) {
  t = lua_absindex(L, t);
  lua_pushcfunction(L, do_gettable);
  lua_pushvalue(L, t);
  lua_rotate(L, -3, -1);  // key f t -> f t key
  return protected_call(L, 2, 1, 0);
}

static int do_settable(lua_State *L) {
  lua_settable(L, 1);
  return 0;
}
int bkup_psettable(lua_State *L, int t) {
  t = lua_absindex(L, t);
  lua_pushcfunction(L, do_settable);
  lua_pushvalue(L, t);
  lua_rotate(L, -4, 2);  // key value f t -> f t key value
  return protected_call(L, 3, 0, 0);
}

static int do_tostring(lua_State *L) {
  luaL_tolstring(L, 1, NULL);
  return 1;
}
int bkup_ptostring(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  lua_pushcfunction(L, do_tostring);
  lua_pushvalue(L, idx);
  return protected_call(L, 1, 1, 0);
}

int bkup_msghandler(lua_State *L) {
  // Keep the error value itself (it may be a structured error object) and leave the
  // traceback where the Swift side can find it.
  luaL_traceback(L, L, NULL, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, "bkup.traceback");
  lua_settop(L, 1);
  return 1;
}

int bkup_pcall_traceback(lua_State *L, int nargs, int nresults) {
  int base = lua_gettop(L) - nargs;  // the function's index
  lua_pushcfunction(L, bkup_msghandler);
  lua_insert(L, base);
  int status = protected_call(L, nargs, nresults, base);
  lua_remove(L, base);
  return status;
}

static int do_require(lua_State *L) {
  lua_getglobal(L, "require");
  lua_pushvalue(L, 1);
  lua_call(L, 1, 1);
  return 1;
}
int bkup_pcall_require(lua_State *L, const char *name) {
  lua_pushcfunction(L, do_require);
  lua_pushstring(L, name);
  return bkup_pcall_traceback(L, 1, 1);
}

void bkup_traceback(lua_State *L, lua_State *co, int level) {
  luaL_traceback(L, co, NULL, level);
}

/* ---------------------------------------------------------------------------------------
 * The trampoline: the one C function through which Lua calls Swift.
 * ------------------------------------------------------------------------------------- */
static int resume_continuation(lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  (void)ctx;
  // The scheduler resumes with (true, results...) or (false, error).
  if (lua_toboolean(L, 1)) {
    lua_remove(L, 1);
    return lua_gettop(L);
  }
  lua_settop(L, 2);
  return lua_error(L);
}

static int raise_status(lua_State *L, int r) {
  switch (r) {
    case BKUP_STATUS_ERROR:
      return lua_error(L);
    case BKUP_STATUS_ERROR_MSG:
      luaL_where(L, 1);
      lua_insert(L, -2);
      lua_concat(L, 2);
      return lua_error(L);
    case BKUP_STATUS_ARGERROR: {
      int arg = (int)lua_tointeger(L, -2);
      return luaL_argerror(L, arg, lua_tostring(L, -1));
    }
    case BKUP_STATUS_YIELD:
      lua_settop(L, 0);
      return lua_yieldk(L, 0, 0, resume_continuation);
    default:
      return luaL_error(L, "bkup: invalid status %d from a Swift function", r);
  }
}

static int bkup_trampoline(lua_State *L) {
  void **slot = (void **)lua_touserdata(L, lua_upvalueindex(1));
  bkup_state *s = state_of(L);
  int prev = s->swift_owned;
  s->swift_owned = 1;
  int r = g_dispatch(L, *slot);
  s->swift_owned = prev;
  if (r >= 0) return r;
  return raise_status(L, r);
}

// Marks metatables of userdata that hold a retained Swift object (a key Lua cannot forge).
static char swift_box_marker;

static int is_swift_box(lua_State *L, int idx) {
  if (lua_type(L, idx) != LUA_TUSERDATA || lua_rawlen(L, idx) != sizeof(void *)) return 0;
  if (!lua_getmetatable(L, idx)) return 0;
  int marked = lua_rawgetp(L, -1, &swift_box_marker) == LUA_TBOOLEAN;
  lua_pop(L, 2);
  return marked;
}

static int bkup_object_gc(lua_State *L) {
  // Only ever a Swift box: a __gc reached from Lua and given any other userdata does nothing.
  if (!is_swift_box(L, 1)) return 0;
  void **slot = (void **)lua_touserdata(L, 1);
  if (slot != NULL && *slot != NULL) {
    void *object = *slot;
    *slot = NULL;
    g_release(object);
  }
  return 0;
}

#define FUNCTION_TNAME "bkup.SwiftFunction"

void bkup_push_swift_function(lua_State *L, void *ctx) {
  void **slot = (void **)lua_newuserdatauv(L, sizeof(void *), 0);
  *slot = ctx;
  if (luaL_newmetatable(L, FUNCTION_TNAME)) {
    lua_pushcfunction(L, bkup_object_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushboolean(L, 1);
    lua_rawsetp(L, -2, &swift_box_marker);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
  }
  lua_setmetatable(L, -2);
  lua_pushcclosure(L, bkup_trampoline, 1);
}

void bkup_push_object(lua_State *L, void *object, const char *tname) {
  void **slot = (void **)lua_newuserdatauv(L, sizeof(void *), 1);
  *slot = object;
  luaL_setmetatable(L, tname);
}

void *bkup_test_object(lua_State *L, int idx, const char *tname) {
  void **slot = (void **)luaL_testudata(L, idx, tname);
  return slot ? *slot : NULL;
}

void *bkup_take_object(lua_State *L, int idx) {
  void **slot = (void **)lua_touserdata(L, idx);
  if (slot == NULL) return NULL;
  void *object = *slot;
  *slot = NULL;
  return object;
}

void bkup_new_object_metatable(lua_State *L, const char *tname) {
  luaL_newmetatable(L, tname);  // sets __name
  lua_pushcfunction(L, bkup_object_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushboolean(L, 1);
  lua_rawsetp(L, -2, &swift_box_marker);
}

void bkup_seal_metatable(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  lua_createtable(L, 0, 4);
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    int skip = lua_type(L, -2) != LUA_TSTRING;
    if (!skip) {
      const char *k = lua_tostring(L, -2);
      skip = strcmp(k, "__gc") == 0 || strcmp(k, "__close") == 0 || strcmp(k, "__metatable") == 0;
    }
    if (skip) {
      lua_pop(L, 1);
    } else {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, -4);
    }
  }
  lua_setfield(L, idx, "__metatable");
}

/* ---------------------------------------------------------------------------------------
 * Interrupts (as lua.c's laction/lstop), but sticky: once a run is interrupted, every Lua
 * instruction raises again, so a script's own pcall cannot swallow it.
 * ------------------------------------------------------------------------------------- */
static int64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

// The count hook runs only for an instruction budget: with a hook set, Lua's VM takes a slow
// path on every instruction. A deadline alone costs nothing until it passes (bkup_stop_async
// from a watchdog, and bkup_check_deadline while tasks wait on I/O).
static int limits_active(bkup_state *s) { return s->instruction_limit != 0; }

// Records why the run stops and arms the hook on the running thread. Not for signal handlers
// (it formats into the state): those use bkup_interrupt.
static void stop(bkup_state *s, int kind, const char *message) {
  if (s->interrupted) return;  // the first reason wins
  snprintf(s->reason_buf, sizeof s->reason_buf, "%s", message);
  s->reason = s->reason_buf;
  s->stop_kind = kind;
  s->interrupted = 1;
  if (s->running) lua_sethook(s->running, bkup_hook, LUA_MASKCOUNT, 1);
}

static void arm(bkup_state *s, lua_State *co) {
  if (s->interrupted || s->memory_check || s->refused) lua_sethook(co, bkup_hook, LUA_MASKCOUNT, 1);
  else if (limits_active(s) && lua_gethook(co) != bkup_hook) lua_sethook(co, bkup_hook, LUA_MASKCOUNT, s->hook_step);
}

static void bkup_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  bkup_state *s = state_of(L);
  if (!s->interrupted && (s->memory_check || s->refused)) {
    size_t wanted = s->refused ? s->failed_size : 0;
    s->memory_check = 0;
    s->refused = 0;
    lua_gc(L, LUA_GCCOLLECT);
    if (s->limit && s->used + wanted > s->limit) memory_stop(s);
  }
  if (!s->interrupted) {
    if (!limits_active(s)) {
      lua_sethook(L, NULL, 0, 0);
      return;
    }
    s->instructions += (uint64_t)lua_gethookcount(L);
    char message[160];
    if (s->instruction_limit && s->instructions > s->instruction_limit) {
      snprintf(message, sizeof message, "instruction limit exceeded: the script ran more than %llu instructions (--max-instructions)",
               (unsigned long long)s->instruction_limit);
      stop(s, BKUP_STOP_INSTRUCTIONS, message);
    } else if (s->deadline_ns && monotonic_ns() >= s->deadline_ns) {
      stop(s, BKUP_STOP_TIMEOUT, bkup_timeout_message());
    } else {
      if (lua_gethookcount(L) != s->hook_step) lua_sethook(L, bkup_hook, LUA_MASKCOUNT, s->hook_step);
      return;
    }
  }
  // Sticky: raise again at every instruction, so that no pcall can swallow the stop.
  lua_sethook(L, bkup_hook, LUA_MASKCOUNT, 1);
  lua_pushstring(L, s->reason ? s->reason : "interrupted!");
  lua_error(L);
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

const char *bkup_timeout_message(void) { return "time limit exceeded: the script ran past its deadline (--timeout)"; }

void bkup_stop(lua_State *L, int kind, const char *message, int exit_code) {
  bkup_state *s = state_of(L);
  if (s->interrupted) return;
  s->exit_code = exit_code;
  stop(s, kind, message);
}

int bkup_stop_kind(lua_State *L) { return state_of(L)->interrupted ? state_of(L)->stop_kind : BKUP_STOP_NONE; }
const char *bkup_stop_reason(lua_State *L) { return state_of(L)->reason; }
int bkup_exit_code(lua_State *L) { return state_of(L)->exit_code; }

void bkup_set_limits(lua_State *L, uint64_t instructions, double seconds) {
  bkup_state *s = state_of(L);
  s->instruction_limit = instructions;
  s->instructions = 0;
  s->hook_step = (instructions > 0 && instructions < 1000) ? (int)instructions : 1000;
  s->deadline_ns = seconds > 0 ? monotonic_ns() + (int64_t)(seconds * 1e9) : 0;
  arm(s, L);
}

int bkup_check_deadline(lua_State *L) {
  bkup_state *s = state_of(L);
  if (!s->interrupted && s->deadline_ns && monotonic_ns() >= s->deadline_ns) {
    stop(s, BKUP_STOP_TIMEOUT, bkup_timeout_message());
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

void bkup_set_running(lua_State *L, lua_State *co) { state_of(L)->running = co; }

int bkup_resume(lua_State *L, lua_State *co, int nargs, int *nresults) {
  bkup_state *s = state_of(L);
  lua_State *prev_running = s->running;
  int prev_owned = s->swift_owned;
  s->running = co;
  arm(s, co);
  s->swift_owned = 0;
  int status = lua_resume(co, L, nargs, nresults);
  s->swift_owned = prev_owned;
  s->running = prev_running;
  return status;
}

/* coroutine.resume / coroutine.wrap as in lcorolib.c (Lua 5.4), tracking the running thread
 * so that an interrupt reaches code inside a user's own coroutine. */
static int auxresume(lua_State *L, lua_State *co, int narg) {
  int status, nres;
  if (!lua_checkstack(co, narg)) {
    lua_pushliteral(L, "too many arguments to resume");
    return -1;
  }
  lua_xmove(L, co, narg);
  bkup_state *s = state_of(L);
  lua_State *prev = s->running;
  s->running = co;
  arm(s, co);
  status = lua_resume(co, L, narg, &nres);
  s->running = prev;
  if (s->interrupted) lua_sethook(L, bkup_hook, LUA_MASKCOUNT, 1);
  if (status == LUA_OK || status == LUA_YIELD) {
    if (!lua_checkstack(L, nres + 1)) {
      lua_pop(co, nres);
      lua_pushliteral(L, "too many results to resume");
      return -1;
    }
    lua_xmove(co, L, nres);
    return nres;
  } else {
    lua_xmove(co, L, 1);
    return -1;
  }
}

static int tracked_resume(lua_State *L) {
  lua_State *co = lua_tothread(L, 1);
  luaL_argexpected(L, co, 1, "coroutine");
  int r = auxresume(L, co, lua_gettop(L) - 1);
  if (r < 0) {
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
  }
  lua_pushboolean(L, 1);
  lua_insert(L, -(r + 1));
  return r + 1;
}

static int tracked_auxwrap(lua_State *L) {
  lua_State *co = lua_tothread(L, lua_upvalueindex(1));
  int r = auxresume(L, co, lua_gettop(L));
  if (r < 0) {
    int stat = lua_status(co);
    if (stat != LUA_OK && stat != LUA_YIELD) {
      stat = lua_resetthread(co);
      lua_xmove(co, L, 1);
    }
    if (stat != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
      luaL_where(L, 1);
      lua_insert(L, -2);
      lua_concat(L, 2);
    }
    return lua_error(L);
  }
  return r;
}

static int tracked_wrap(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_State *NL = lua_newthread(L);
  lua_pushvalue(L, 1);
  lua_xmove(L, NL, 1);
  lua_pushcclosure(L, tracked_auxwrap, 1);
  return 1;
}

static int do_install_tracking(lua_State *L) {
  lua_getglobal(L, "coroutine");
  if (lua_istable(L, -1)) {
    lua_pushcfunction(L, tracked_resume);
    lua_setfield(L, -2, "resume");
    lua_pushcfunction(L, tracked_wrap);
    lua_setfield(L, -2, "wrap");
  }
  return 0;
}

void bkup_install_coroutine_tracking(lua_State *L) {
  lua_pushcfunction(L, do_install_tracking);
  protected_call(L, 0, 0, 0);
}

int bkup_c_noop(lua_State *L) {
  (void)L;
  return 0;
}

static lua_State *volatile g_sigint_state;
static struct sigaction g_old_sigint;

static void on_sigint(int sig) {
  (void)sig;
  lua_State *L = g_sigint_state;
  if (L) bkup_interrupt(L, "interrupted!");
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

static char null_sentinel;
static char array_marker_key;
void *bkup_null_sentinel(void) { return &null_sentinel; }
void *bkup_array_marker_key(void) { return &array_marker_key; }
