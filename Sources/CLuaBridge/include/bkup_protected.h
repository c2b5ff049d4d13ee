// Protected helpers: Swift reaches Lua through lua_pcallk only. Each returns a Lua status code
// (LUA_OK, or an error with its message on top).
#ifndef BKUP_PROTECTED_H
#define BKUP_PROTECTED_H

#include <lua.h>

int bkup_openlibs(lua_State *L);
// Only the libraries a configuration file may use (see protected.c).
int bkup_open_configuration_libs(lua_State *L);
int bkup_pgettable(lua_State *L, int tableIndex);  // key on top -> value on top
int bkup_psettable(lua_State *L, int tableIndex);  // key, value on top -> popped
int bkup_ptostring(lua_State *L, int index);        // pushes luaL_tolstring's result
int bkup_pcall_traceback(lua_State *L, int nargs, int nresults);  // function + args on top
int bkup_pcall_require(lua_State *L, const char *name);  // pushes the module's value

// Message handler that keeps the error value and leaves a traceback in the registry.
int bkup_msghandler(lua_State *L);
// Pushes a traceback of `co` (replaces nothing; pushes one string on L).
void bkup_traceback(lua_State *L, lua_State *co, int level);

#endif
