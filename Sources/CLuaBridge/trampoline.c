// The trampoline (the one C function through which Lua calls Swift) and the userdata boxes
// that hold retained Swift objects.
#include "bridge_internal.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

extern bkup_dispatch_fn bkup_g_dispatch;
extern bkup_release_fn bkup_g_release;

static char argerror_marker;
void *bkup_argerror_marker(void) { return &argerror_marker; }

static int resume_continuation(lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  (void)ctx;
  // The scheduler resumes with (true, results...), (false, error), or (false, marker, index,
  // message) for a bad argument: raised here, in the function's own frame, it reads as it
  // would have before the yield.
  if (lua_toboolean(L, 1)) {
    lua_remove(L, 1);
    return lua_gettop(L);
  }
  if (lua_touserdata(L, 2) == &argerror_marker) {
    int arg = (int)lua_tointeger(L, 3);
    return bkup_argerror(L, arg, lua_tostring(L, 4));
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
      return bkup_argerror(L, arg, lua_tostring(L, -1));
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
  int r = bkup_g_dispatch(L, *slot);
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
    bkup_g_release(object);
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

int bkup_is_object_type(lua_State *L, int idx, const char *tname) {
  return luaL_testudata(L, idx, tname) != NULL;
}

void *bkup_take_object(lua_State *L, int idx) {
  void **slot = (void **)lua_touserdata(L, idx);
  if (slot == NULL) return NULL;
  void *object = *slot;
  *slot = NULL;
  return object;
}

void *bkup_any_object(lua_State *L, int idx) {
  if (!is_swift_box(L, idx)) return NULL;
  void **slot = (void **)lua_touserdata(L, idx);
  return slot ? *slot : NULL;
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

int bkup_c_noop(lua_State *L) {
  (void)L;
  return 0;
}
void bkup_push_c_noop(lua_State *L) { lua_pushcfunction(L, bkup_c_noop); }

size_t bkup_format_number(lua_Number n, char *buffer, size_t size) {
  // As lobject.c's tostringbuff: lua_number2str, and ".0" when the text looks like an integer.
  int length = lua_number2str(buffer, size, n);
  if (length < 0 || (size_t)length + 3 > size) return 0;
  if (buffer[strspn(buffer, "-0123456789")] == '\0') {
    buffer[length++] = lua_getlocaledecpoint();
    buffer[length++] = '0';
    buffer[length] = '\0';
  }
  return (size_t)length;
}

static char null_sentinel;
static char array_marker_key;
void *bkup_null_sentinel(void) { return &null_sentinel; }
void *bkup_array_marker_key(void) { return &array_marker_key; }
