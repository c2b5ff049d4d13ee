// A state's life: bkup's allocator (the memory cap), creation, warnings, panic, closing.
#include "bridge_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bkup_dispatch_fn bkup_g_dispatch;
bkup_release_fn bkup_g_release;

void bkup_install_swift_hooks(bkup_dispatch_fn dispatch, bkup_release_fn release) {
  bkup_g_dispatch = dispatch;
  bkup_g_release = release;
}

void *bkup_get_host(lua_State *L) { return state_of(L)->host; }
void bkup_set_host(lua_State *L, void *host) { state_of(L)->host = host; }

/* Lua code may see an allocation fail (Lua then raises "not enough memory" from C, which is
 * safe). A Swift frame must never see it, because Lua would longjmp across it. So while Swift
 * owns the stack the memory cap is soft: the allocation goes through, and the hook raises at
 * the next Lua instruction instead. A real malloc failure while Swift owns the stack aborts:
 * there is no safe way to unwind. */
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
      bkup_memory_stop(s);
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

static bkup_warning_fn g_warning_sink;
void bkup_install_warning_sink(bkup_warning_fn sink) { g_warning_sink = sink; }

/* lua.c's warning functions as one state machine: off (only control messages count), on (a
 * control message, or the first piece of a warning), continuing (the next pieces). A control
 * message is a single piece starting with '@'; in off mode lua.c also checks the last piece of a
 * longer warning, and so does this. The whole warning goes to the sink (which may redact it). */
enum { WARN_OFF, WARN_ON, WARN_CONTINUING };

static int control(bkup_state *s, const char *msg, int tocont) {
  if (tocont || msg[0] != '@') return 0;
  if (strcmp(msg + 1, "off") == 0) s->warn_mode = WARN_OFF;
  else if (strcmp(msg + 1, "on") == 0) s->warn_mode = WARN_ON;
  return 1;
}

static void bkup_warn(void *ud, const char *msg, int tocont) {
  bkup_state *s = (bkup_state *)ud;
  if (s->warn_mode == WARN_OFF) {
    control(s, msg, tocont);
    return;
  }
  if (s->warn_mode == WARN_ON && control(s, msg, tocont)) return;
  size_t n = strlen(msg);
  char *grown = realloc(s->warn_buf, s->warn_len + n + 1);
  if (grown != NULL) {
    memcpy(grown + s->warn_len, msg, n + 1);
    s->warn_buf = grown;
    s->warn_len += n;
  }
  if (tocont) {
    s->warn_mode = WARN_CONTINUING;
    return;
  }
  const char *text = s->warn_buf ? s->warn_buf : "";
  if (g_warning_sink) g_warning_sink(s->host, text);
  else fprintf(stderr, "Lua warning: %s\n", text);
  free(s->warn_buf);
  s->warn_buf = NULL;
  s->warn_len = 0;
  s->warn_mode = WARN_ON;
}

lua_State *bkup_newstate(size_t limit) {
  bkup_state *s = calloc(1, sizeof(bkup_state));
  if (s == NULL) return NULL;
  s->limit = limit;
  s->swift_owned = 1;
  bkup_format_stop_messages(s);
  lua_State *L = lua_newstate(bkup_alloc, s);
  if (L == NULL) {
    free(s);
    return NULL;
  }
  *(bkup_state **)lua_getextraspace(L) = s;
  lua_atpanic(L, bkup_panic);
  lua_setwarnf(L, bkup_warn, s);
  return L;
}

void bkup_ignore_environment(lua_State *L) {
  lua_pushboolean(L, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");  // a fresh registry: no metamethod can run
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

void bkup_close_for_exit(lua_State *L) {
  state_of(L)->swift_owned = 1;
  lua_close(L);
}

void bkup_close(lua_State *L) {
  bkup_state *s = state_of(L);
  s->swift_owned = 1;
  lua_close(L);
  bkup_release_captured_stdout(s);
  free(s->warn_buf);
  free(s);
}
