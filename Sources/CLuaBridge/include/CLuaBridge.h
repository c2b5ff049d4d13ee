// CLuaBridge: the only code in bkup that may raise (longjmp) or yield in Lua.
//
// Swift never calls a Lua API that can longjmp. Instead:
//  - every Swift function that Lua calls is reached through bkup_trampoline; Swift returns a
//    status and this C code raises or yields after the Swift frame has returned;
//  - operations that may run metamethods (get/set/tostring/openlibs) run as small C functions
//    under lua_pcallk;
//  - the allocator never fails while Swift owns the stack (see bkup_alloc in CLuaBridge.c).
#ifndef CLUABRIDGE_H
#define CLUABRIDGE_H

#include <stddef.h>
#include <stdint.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

// Status values a Swift callback returns besides a (non-negative) count of results.
#define BKUP_STATUS_ERROR      (-1)  // the error value is on top of the stack: raise it
#define BKUP_STATUS_ERROR_MSG  (-2)  // a message string is on top: raise it with position info
#define BKUP_STATUS_ARGERROR   (-3)  // [argindex, extramsg] on top: raise as luaL_argerror does
#define BKUP_STATUS_YIELD      (-4)  // yield; resume values are (ok, ...) checked by a continuation

// The Swift side: one dispatcher for every Swift function (ctx identifies the closure), and a
// release hook for userdata that own a retained Swift object.
typedef int (*bkup_dispatch_fn)(lua_State *L, void *ctx);
typedef void (*bkup_release_fn)(void *object);
void bkup_install_swift_hooks(bkup_dispatch_fn dispatch, bkup_release_fn release);

// Per-state host data, kept in the state's extra space (copied into every thread).
void *bkup_get_host(lua_State *L);
void bkup_set_host(lua_State *L, void *host);

// State lifecycle. `limit` is a memory cap in bytes (0 = none). Returns NULL on failure.
lua_State *bkup_newstate(size_t limit);
void bkup_set_memory_limit(lua_State *L, size_t limit);
size_t bkup_memory_in_use(lua_State *L);
// Marks whether Lua code (which may safely see an allocation failure) or Swift owns the stack.
int bkup_enter_swift(lua_State *L);
void bkup_leave_swift(lua_State *L, int previous);
void bkup_close(lua_State *L);

// Protected helpers: each returns a Lua status code (LUA_OK or an error, message on top).
int bkup_openlibs(lua_State *L);
int bkup_pgettable(lua_State *L, int tableIndex);  // key on top -> value on top
int bkup_psettable(lua_State *L, int tableIndex);  // key, value on top -> popped
int bkup_ptostring(lua_State *L, int index);        // pushes luaL_tolstring's result
int bkup_pcall_traceback(lua_State *L, int nargs, int nresults);  // function + args on top
int bkup_pcall_require(lua_State *L, const char *name);  // pushes the module's value

// Message handler that appends a traceback (as lua.c's msghandler).
int bkup_msghandler(lua_State *L);
// Pushes a traceback of `co` prefixed with the message on top of L's stack (replaces it).
void bkup_traceback(lua_State *L, lua_State *co, int level);

// Pushes a Lua closure that calls the Swift dispatcher with ctx. The closure owns ctx (retained
// by Swift) and releases it once when collected.
void bkup_push_swift_function(lua_State *L, void *ctx);
// Pushes a full userdata holding a retained Swift object, with the metatable `tname`.
void bkup_push_object(lua_State *L, void *object, const char *tname);
// The Swift object in a userdata of type tname at idx, or NULL (never raises).
void *bkup_test_object(lua_State *L, int idx, const char *tname);
// Drops the object early (for __close); returns the object that was held (caller releases).
void *bkup_take_object(lua_State *L, int idx);
// Registers a metatable for Swift objects: __name and __gc (releases once); leaves it on the
// stack so Swift can add __index, __tostring, __close ... with raw sets.
void bkup_new_object_metatable(lua_State *L, const char *tname);
// Sets __metatable of the metatable at idx to a copy without __gc and __close, so that
// getmetatable() shows a class's name, methods and __tostring but cannot release its object.
// Does not raise (raw operations only; Swift owns the stack, so no allocation fails).
void bkup_seal_metatable(lua_State *L, int idx);

// Stops. A stop is sticky: from the next instruction on, every instruction raises the stop's
// message, in every coroutine, until bkup_clear_interrupt; so no pcall can swallow it.
#define BKUP_STOP_NONE         0
#define BKUP_STOP_INTERRUPT    1  // Ctrl-C, host.interrupt(), a closed host
#define BKUP_STOP_TIMEOUT      2
#define BKUP_STOP_INSTRUCTIONS 3
#define BKUP_STOP_MEMORY       4
#define BKUP_STOP_TASKS        5
#define BKUP_STOP_EXIT         6  // os.exit: the run ends cleanly with exit_code

// Interrupts: safe to call from another thread or a signal handler. `reason` must be static.
void bkup_interrupt(lua_State *L, const char *reason);
void bkup_stop_async(lua_State *L, int kind, const char *reason);
const char *bkup_timeout_message(void);
// A stop from the Lua thread (the message is copied).
void bkup_stop(lua_State *L, int kind, const char *message, int exit_code);
int bkup_stop_kind(lua_State *L);
const char *bkup_stop_reason(lua_State *L);
int bkup_exit_code(lua_State *L);
// Limits for the run that starts now: an instruction budget, enforced by a count hook in every
// coroutine, and a wall-clock deadline in seconds from now (0 = none), which the host's
// watchdog enforces with bkup_stop_async.
void bkup_set_limits(lua_State *L, uint64_t instructions, double seconds);
// Stops the run if its deadline has passed (for when no Lua code runs: tasks waiting on I/O).
// Returns whether a stop is pending.
int bkup_check_deadline(lua_State *L);
// Clears a pending interrupt so that the next run starts clean.
void bkup_clear_interrupt(lua_State *L);
int bkup_interrupted(lua_State *L);
// The thread currently running Lua code (tracked across coroutine.resume/wrap).
void bkup_set_running(lua_State *L, lua_State *co);
// Replaces coroutine.resume/wrap with versions that track the running thread.
void bkup_install_coroutine_tracking(lua_State *L);
// Resumes `co` from Swift: tracks the running thread and hands the stack to Lua (so the
// memory limit applies) for the duration. Returns lua_resume's status.
int bkup_resume(lua_State *L, lua_State *co, int nargs, int *nresults);

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
static inline int bkup_upvalue_index(int i) { return lua_upvalueindex(i); }
// Unique addresses (defined once, in CLuaBridge.c: a static inside an inline function would
// exist once per importing module).
void *bkup_null_sentinel(void);
void *bkup_array_marker_key(void);

static inline int bkup_gc_collect(lua_State *L) { return lua_gc(L, LUA_GCCOLLECT); }
static inline int bkup_gc_count_kb(lua_State *L) { return lua_gc(L, LUA_GCCOUNT); }
static inline void bkup_push_loaded(lua_State *L) { luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE); }
static inline void bkup_push_preload(lua_State *L) { luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE); }

// SIGINT interrupts the state's running script (once: a second Ctrl-C kills, as in lua.c).
void bkup_install_sigint(lua_State *L);
void bkup_restore_sigint(void);

static inline const char *bkup_lua_release(void) { return LUA_RELEASE; }

#include <stdio.h>
static inline FILE *bkup_stdout(void) { return stdout; }
static inline FILE *bkup_stderr(void) { return stderr; }
static inline FILE *bkup_stdin(void) { return stdin; }

// A C no-op, the baseline for the call benchmark.
int bkup_c_noop(lua_State *L);

#endif
