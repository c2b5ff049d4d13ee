#include <lua.h>
#include <lauxlib.h>

static int add(lua_State *L) {
  lua_pushinteger(L, luaL_checkinteger(L, 1) + luaL_checkinteger(L, 2));
  return 1;
}

int luaopen_adder(lua_State *L) {
  luaL_Reg fns[] = {{"add", add}, {NULL, NULL}};
  luaL_newlib(L, fns);
  return 1;
}
