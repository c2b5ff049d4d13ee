// The running thread, tracked across every resume (the host's and the user's own
// coroutine.resume/wrap, as in lcorolib.c), so that a stop reaches code inside any coroutine.
#include "bridge_internal.h"

void bkup_set_running(lua_State *L, lua_State *co) { state_of(L)->running = co; }

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
  }
  return 0;
}

void bkup_install_coroutine_tracking(lua_State *L) {
  lua_pushcfunction(L, do_install_tracking);
  bkup_protected_call(L, 0, 0, 0);
}
