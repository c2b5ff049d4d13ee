// CLuaBridge: the only code in bkup that may raise (longjmp) or yield in Lua.
//
// Swift never calls a Lua API that can longjmp. Instead:
//  - every Swift function that Lua calls is reached through the trampoline; Swift returns a
//    status and C raises or yields after the Swift frame has returned (bkup_trampoline.h);
//  - operations that may run metamethods run as small C functions under lua_pcallk
//    (bkup_protected.h);
//  - the allocator never fails while Swift owns the stack (bkup_state.h).
// One header per concern; this one includes them all, plus wrappers of Lua's macros.
#ifndef CLUABRIDGE_H
#define CLUABRIDGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "bkup_state.h"
#include "bkup_protected.h"
#include "bkup_trampoline.h"
#include "bkup_stops.h"
#include "bkup_coroutines.h"

// Wrappers of Lua's macros, which Swift cannot import.
static inline int bkup_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline int bkup_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline void bkup_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void bkup_newtable(lua_State *L) { lua_newtable(L); }
static inline int bkup_isnoneornil(lua_State *L, int i) { return lua_isnoneornil(L, i); }
static inline const char *bkup_tostring(lua_State *L, int i) { return lua_tolstring(L, i, NULL); }
static inline void bkup_pushglobaltable(lua_State *L) { lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS); }
static inline void bkup_pushmainthread(lua_State *L) { lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD); }
static inline void bkup_insert(lua_State *L, int i) { lua_insert(L, i); }
static inline void bkup_remove(lua_State *L, int i) { lua_remove(L, i); }
static inline void bkup_replace(lua_State *L, int i) { lua_replace(L, i); }
static inline lua_Number bkup_tonumber(lua_State *L, int i) { return lua_tonumberx(L, i, NULL); }
static inline lua_Integer bkup_tointeger(lua_State *L, int i) { return lua_tointegerx(L, i, NULL); }
// Unique addresses (defined once, in trampoline.c: a static inside an inline function would
// exist once per importing module).
void *bkup_null_sentinel(void);
void *bkup_array_marker_key(void);

static inline int bkup_gc_collect(lua_State *L) { return lua_gc(L, LUA_GCCOLLECT); }
static inline int bkup_gc_count_kb(lua_State *L) { return lua_gc(L, LUA_GCCOUNT); }
// luaL_getsubtable does raw gets on the registry (no metamethods) but may allocate: Swift owns
// the stack then, so the allocator never fails (soft cap).
static inline void bkup_push_loaded(lua_State *L) { luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE); }
// The modules a host registered (LuaState.registerModule): require finds them after Lua's own
// searchers, so that a user's module of the same name wins (modules.c).
#define BKUP_HOST_MODULES "bkup.modules"
static inline void bkup_push_host_modules(lua_State *L) { luaL_getsubtable(L, LUA_REGISTRYINDEX, BKUP_HOST_MODULES); }
static inline void bkup_push_preload(lua_State *L) { luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE); }

static inline const char *bkup_lua_release(void) { return LUA_RELEASE; }
static inline const char *bkup_lua_copyright(void) { return LUA_COPYRIGHT; }

static inline FILE *bkup_stdout(void) { return stdout; }
static inline FILE *bkup_stderr(void) { return stderr; }
static inline FILE *bkup_stdin(void) { return stdin; }

#endif
