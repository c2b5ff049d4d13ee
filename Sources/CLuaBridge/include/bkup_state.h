// A Lua state's life: creation with bkup's allocator, the host pointer, the memory cap, and who
// owns the stack (Swift or Lua).
#ifndef BKUP_STATE_H
#define BKUP_STATE_H

#include <stddef.h>
#include <lua.h>

// The Swift side: one dispatcher for every Swift function (ctx identifies the closure), and a
// release hook for userdata that own a retained Swift object.
typedef int (*bkup_dispatch_fn)(lua_State *L, void *ctx);
typedef void (*bkup_release_fn)(void *object);
void bkup_install_swift_hooks(bkup_dispatch_fn dispatch, bkup_release_fn release);

// Where warnings go once whole (after "@on"; lua.c's "Lua warning: " prefix is the sink's
// business). Without a sink they are written to stderr as lua.c writes them.
typedef void (*bkup_warning_fn)(void *host, const char *text);
void bkup_install_warning_sink(bkup_warning_fn sink);

// Per-state host data, kept in the state's extra space (copied into every thread).
void *bkup_get_host(lua_State *L);
void bkup_set_host(lua_State *L, void *host);

// `limit` is a memory cap in bytes (0 = none). Returns NULL on failure.
lua_State *bkup_newstate(size_t limit);
void bkup_set_memory_limit(lua_State *L, size_t limit);
size_t bkup_memory_in_use(lua_State *L);
// Marks whether Lua code (which may safely see an allocation failure) or Swift owns the stack.
// While Swift owns it the cap is soft: nothing may longjmp across a Swift frame.
int bkup_enter_swift(lua_State *L);
void bkup_leave_swift(lua_State *L, int previous);
void bkup_close(lua_State *L);

#endif
