// The running thread, tracked across every resume (the host's and the user's own
// coroutine.resume/wrap, as in lcorolib.c), so that a stop reaches code inside any coroutine.
#include "bridge_internal.h"

void bkup_set_running(lua_State *L, lua_State *co) { state_of(L)->running = co; }

/* The host runs every chunk and task in a coroutine of its own, so that requests can yield; to
 * the script those threads are the main thread: coroutine.running says so, isyieldable is
 * false, and coroutine.yield raises as at Lua's top level. Yields of bindings go through the
 * trampoline, not coroutine.yield. The threads are keys of a weak table in the registry. */
static char task_threads_key;

void bkup_mark_task_thread(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &task_threads_key) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_createtable(L, 0, 8);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");  // a fresh table: no metamethod
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &task_threads_key);
  }
  lua_pushvalue(L, idx);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

static int is_task_thread(lua_State *L, lua_State *co) {
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &task_threads_key) != LUA_TTABLE) {
    lua_pop(L, 1);
    return 0;
  }
  lua_pushthread(co);
  if (co != L) lua_xmove(co, L, 1);
  int task = lua_rawget(L, -2) == LUA_TBOOLEAN;
  lua_pop(L, 2);
  return task;
}

int bkup_is_task_thread(lua_State *L) { return is_task_thread(L, L); }

static int task_running(lua_State *L) {
  int ismain = lua_pushthread(L);
  lua_pushboolean(L, ismain || is_task_thread(L, L));
  return 2;
}

static int task_isyieldable(lua_State *L) {
  lua_State *co = L;
  if (!lua_isnone(L, 1)) {
    co = lua_tothread(L, 1);
    luaL_argexpected(L, co, 1, "coroutine");
  }
  lua_pushboolean(L, lua_isyieldable(co) && !is_task_thread(L, co));
  return 1;
}

static int task_yield(lua_State *L) {
  if (is_task_thread(L, L)) {
    lua_pushliteral(L, "attempt to yield from outside a coroutine");
    return lua_error(L);
  }
  return lua_yield(L, lua_gettop(L));
}

int bkup_resume(lua_State *L, lua_State *co, int nargs, int *nresults) {
  bkup_state *s = state_of(L);
  lua_State *prev_running = s->running;
  int prev_owned = s->swift_owned;
  s->running = co;
  bkup_arm(s, co);
  s->swift_owned = 0;
  int status = lua_resume(co, L, nargs, nresults);
  s->swift_owned = prev_owned;
  s->running = prev_running;
  return status;
}

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
  bkup_arm(s, co);
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
    lua_pushcfunction(L, task_running);
    lua_setfield(L, -2, "running");
    lua_pushcfunction(L, task_isyieldable);
    lua_setfield(L, -2, "isyieldable");
    lua_pushcfunction(L, task_yield);
    lua_setfield(L, -2, "yield");
  }
  return 0;
}

void bkup_install_coroutine_tracking(lua_State *L) {
  lua_pushcfunction(L, do_install_tracking);
  bkup_protected_call(L, 0, 0, 0);
}
