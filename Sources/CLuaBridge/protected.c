// Protected calls from Swift: each runs a small C function under lua_pcallk, with the stack
// handed to Lua (hard memory cap) and the running thread tracked.
#include "bridge_internal.h"

int bkup_protected_call(lua_State *L, int nargs, int nresults, int msgh) {
  bkup_state *s = state_of(L);
  int prev = s->swift_owned;
  lua_State *prev_running = s->running;
  s->swift_owned = 0;
  s->running = L;
  bkup_arm(s, L);
  int status = lua_pcallk(L, nargs, nresults, msgh, 0, NULL);
  s->running = prev_running;
  s->swift_owned = prev;
  return status;
}

static bkup_print_fn g_print_sink;
void bkup_install_print_sink(bkup_print_fn sink) { g_print_sink = sink; }

/* print as Lua's own (a C function without upvalues, tostring of each argument, tabs between),
 * but the line goes to the host's sink, which may collect or redact it. */
static int bkup_print(lua_State *L) {
  int n = lua_gettop(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 1; i <= n; i++) {
    if (i > 1) luaL_addchar(&b, '\t');
    luaL_tolstring(L, i, NULL);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  size_t len;
  const char *text = lua_tolstring(L, -1, &len);
  if (g_print_sink) {
    g_print_sink(state_of(L)->host, text, len);
  } else {
    fwrite(text, 1, len, stdout);
    fputc('\n', stdout);
  }
  return 0;
}

static int do_openlibs(lua_State *L) {
  luaL_openlibs(L);
  bkup_install_module_rules(L);
  bkup_remember_stdout(L);
  lua_pushcfunction(L, bkup_print);
  lua_setglobal(L, "print");
  lua_gc(L, LUA_GCGEN, 0, 0);  // as lua.c
  return 0;
}
int bkup_openlibs(lua_State *L) {
  lua_pushcfunction(L, do_openlibs);
  return bkup_protected_call(L, 0, 0, 0);
}

/* Configuration files (a fleet file in Lua) open only what is safe: the base library without
 * file or chunk loading, string, table, math, utf8, and os's clock and calendar. setmetatable
 * refuses finalizers, which Lua runs with hooks off, out of any limit's reach. No coroutines:
 * a hook is set per thread. */
static int config_setmetatable(lua_State *L) {
  if (lua_type(L, 2) == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL) return luaL_error(L, "finalizers (__gc) are not available in a configuration file");
    lua_pop(L, 1);
  }
  lua_settop(L, 2);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, 2, 1);
  return 1;
}

static int do_open_configuration(lua_State *L) {
  static const luaL_Reg safe[] = {
      {LUA_GNAME, luaopen_base},       {LUA_TABLIBNAME, luaopen_table}, {LUA_STRLIBNAME, luaopen_string},
      {LUA_MATHLIBNAME, luaopen_math}, {LUA_UTF8LIBNAME, luaopen_utf8}, {NULL, NULL}};
  for (const luaL_Reg *lib = safe; lib->func; lib++) {
    luaL_requiref(L, lib->name, lib->func, 1);
    lua_pop(L, 1);
  }
  static const char *const times[] = {"time", "date", "clock", "difftime", NULL};
  luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
  lua_createtable(L, 0, 4);
  for (const char *const *name = times; *name; name++) {
    lua_getfield(L, -2, *name);
    lua_setfield(L, -2, *name);
  }
  lua_setglobal(L, LUA_OSLIBNAME);
  lua_pop(L, 1);
  static const char *const loaders[] = {"dofile", "loadfile", "load", NULL};
  for (const char *const *name = loaders; *name; name++) {
    lua_pushnil(L);
    lua_setglobal(L, *name);
  }
  lua_getglobal(L, "setmetatable");
  lua_pushcclosure(L, config_setmetatable, 1);
  lua_setglobal(L, "setmetatable");
  lua_pushcfunction(L, bkup_print);
  lua_setglobal(L, "print");
  return 0;
}
int bkup_open_configuration_libs(lua_State *L) {
  lua_pushcfunction(L, do_open_configuration);
  return bkup_protected_call(L, 0, 0, 0);
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
  return bkup_protected_call(L, 2, 1, 0);
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
  return bkup_protected_call(L, 3, 0, 0);
}

static int do_tostring(lua_State *L) {
  luaL_tolstring(L, 1, NULL);
  return 1;
}
int bkup_ptostring(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  lua_pushcfunction(L, do_tostring);
  lua_pushvalue(L, idx);
  return bkup_protected_call(L, 1, 1, 0);
}

int bkup_msghandler(lua_State *L) {
  // Keep the error value itself (it may be a structured error object) and leave the
  // traceback where the Swift side can find it.
  luaL_traceback(L, L, NULL, 1);
  lua_pushliteral(L, "bkup.traceback");
  lua_insert(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);  // raw: whatever a script did to the registry's metatable
  lua_settop(L, 1);
  return 1;
}

int bkup_pcall_traceback(lua_State *L, int nargs, int nresults) {
  int base = lua_gettop(L) - nargs;  // the function's index
  lua_pushcfunction(L, bkup_msghandler);
  lua_insert(L, base);
  int status = bkup_protected_call(L, nargs, nresults, base);
  lua_remove(L, base);
  return status;
}

static int do_require(lua_State *L) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  lua_pushliteral(L, "require");
  lua_rawget(L, -2);
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
