// The trampoline: the one C function through which Lua calls Swift, and the userdata boxes
// that hold retained Swift objects.
#ifndef BKUP_TRAMPOLINE_H
#define BKUP_TRAMPOLINE_H

#include <stddef.h>
#include <lua.h>

// Status values a Swift callback returns besides a (non-negative) count of results.
#define BKUP_STATUS_ERROR      (-1)  // the error value is on top of the stack: raise it
#define BKUP_STATUS_ERROR_MSG  (-2)  // a message string is on top: raise it with position info
#define BKUP_STATUS_ARGERROR   (-3)  // [argindex, extramsg] on top: raise as luaL_argerror does
#define BKUP_STATUS_YIELD      (-4)  // yield; resume values are (ok, ...) checked by a continuation

// Resuming a yielded Swift function with (false, this, argindex, extramsg) raises a bad argument
// as luaL_argerror words it.
void *bkup_argerror_marker(void);

// Pushes a Lua closure that calls the Swift dispatcher with ctx. The closure owns ctx (retained
// by Swift) and releases it once when collected.
void bkup_push_swift_function(lua_State *L, void *ctx);
// Pushes a full userdata holding a retained Swift object, with the metatable `tname`.
void bkup_push_object(lua_State *L, void *object, const char *tname);
// The Swift object in a userdata of type tname at idx, or NULL (never raises).
void *bkup_test_object(lua_State *L, int idx, const char *tname);
// Whether idx is a userdata of type tname (its object may have been taken).
int bkup_is_object_type(lua_State *L, int idx, const char *tname);
// Drops the object early (for __close); returns the object that was held (caller releases).
void *bkup_take_object(lua_State *L, int idx);
// The object of any Swift box at idx, or NULL.
void *bkup_any_object(lua_State *L, int idx);
// Registers a metatable for Swift objects: __name and __gc (releases once); leaves it on the
// stack so Swift can add __index, __tostring, __close ... with raw sets.
void bkup_new_object_metatable(lua_State *L, const char *tname);
// Sets __metatable of the metatable at idx to a copy without __gc and __close, so that
// getmetatable() shows a class's name, methods and __tostring but cannot release its object.
void bkup_seal_metatable(lua_State *L, int idx);

// A float as Lua writes it when it becomes a string ("3.5", "1e+100", "2.0"), without a state;
// returns the length written into buffer (0 when size is too small; 64 is enough).
size_t bkup_format_number(lua_Number n, char *buffer, size_t size);

// A C no-op, the baseline for the call benchmark.
int bkup_c_noop(lua_State *L);
void bkup_push_c_noop(lua_State *L);

#endif
