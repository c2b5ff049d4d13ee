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
// business), and where `print` writes its line. Without a sink, stderr and stdout as lua.c.
typedef void (*bkup_warning_fn)(void *host, const char *text);
void bkup_install_warning_sink(bkup_warning_fn sink);
typedef void (*bkup_print_fn)(void *host, const char *text, size_t length);
void bkup_install_print_sink(bkup_print_fn sink);
// Where io's standard output goes while captured: the bytes of each write, as written.
typedef void (*bkup_output_fn)(void *host, const char *bytes, size_t length);
void bkup_install_output_sink(bkup_output_fn sink);
// Redirects io's own stdout handle (io.write, io.stdout:write, and the default output while it
// is io.stdout) to the output sink, or back (on = 0). Returns 0 when the state has no io
// library. Never raises.
int bkup_capture_stdout(lua_State *L, int on);

// Per-state host data, kept in the state's extra space (copied into every thread).
void *bkup_get_host(lua_State *L);
void bkup_set_host(lua_State *L, void *host);

// `limit` is a memory cap in bytes (0 = none). Returns NULL on failure.
lua_State *bkup_newstate(size_t limit);
// Tells the standard libraries to ignore LUA_PATH and friends (lua -E). Before bkup_openlibs.
void bkup_ignore_environment(lua_State *L);
void bkup_set_memory_limit(lua_State *L, size_t limit);
size_t bkup_memory_in_use(lua_State *L);
// Marks whether Lua code (which may safely see an allocation failure) or Swift owns the stack.
// While Swift owns it the cap is soft: nothing may longjmp across a Swift frame.
int bkup_enter_swift(lua_State *L);
void bkup_leave_swift(lua_State *L, int previous);
void bkup_close(lua_State *L);
// lua_close for a process about to exit (os.exit with close): the per-state record is kept, so
// that a close already under way (os.exit called from a finalizer) can still unwind into it.
void bkup_close_for_exit(lua_State *L);

#endif
