// The running thread, tracked across every resume, so that a stop reaches code inside a user's
// own coroutine.
#ifndef BKUP_COROUTINES_H
#define BKUP_COROUTINES_H

#include <lua.h>

// The thread currently running Lua code.
void bkup_set_running(lua_State *L, lua_State *co);
// Marks the thread at idx as a host task: to scripts it is the main thread.
void bkup_mark_task_thread(lua_State *L, int idx);
int bkup_is_task_thread(lua_State *L);
// Replaces coroutine.resume/wrap with versions that track the running thread, and
// coroutine.running/isyieldable/yield with versions for which a host task is the main thread.
void bkup_install_coroutine_tracking(lua_State *L);
// Resumes `co` from Swift: tracks the running thread and hands the stack to Lua (so the
// memory limit applies) for the duration. Returns lua_resume's status.
int bkup_resume(lua_State *L, lua_State *co, int nargs, int *nresults);

#endif
