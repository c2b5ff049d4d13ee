// Standard output as a host may take it: io's stdout handle (io.write, io.stdout:write, the
// default output) redirected to a stream whose bytes go to the host's sink, beside `print`.
#define _GNU_SOURCE
#include "bridge_internal.h"

#include <stdio.h>
#include <sys/types.h>

static bkup_output_fn g_output_sink;
void bkup_install_output_sink(bkup_output_fn sink) { g_output_sink = sink; }

// The registry key of io's own stdout handle, kept whatever io.output() is set to later.
static char stdout_handle_key;

void bkup_remember_stdout(lua_State *L) {
  lua_pushliteral(L, "_IO_output");  // lualib's IO_OUTPUT: io.stdout until io.output() changes it
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &stdout_handle_key);
}

static ssize_t sink_write(void *cookie, const char *bytes, size_t size) {
  bkup_state *s = cookie;
  if (g_output_sink && size > 0) g_output_sink(s->host, bytes, size);
  return (ssize_t)size;
}

#if defined(__APPLE__)
static int sink_write_bsd(void *cookie, const char *bytes, int size) { return (int)sink_write(cookie, bytes, (size_t)size); }
static FILE *sink_stream(bkup_state *s) { return funopen(s, NULL, sink_write_bsd, NULL, NULL); }
#else
static FILE *sink_stream(bkup_state *s) {
  cookie_io_functions_t functions = {NULL, sink_write, NULL, NULL};
  return fopencookie(s, "w", functions);
}
#endif

int bkup_capture_stdout(lua_State *L, int on) {
  bkup_state *s = state_of(L);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &stdout_handle_key);
  luaL_Stream *handle = (luaL_Stream *)luaL_testudata(L, -1, LUA_FILEHANDLE);
  lua_pop(L, 1);
  if (handle == NULL || handle->closef == NULL) return 0;  // no io library, or a closed handle
  if (on) {
    if (s->captured_stdout == NULL) {
      s->captured_stdout = sink_stream(s);
      if (s->captured_stdout == NULL) return 0;
      setvbuf(s->captured_stdout, NULL, _IONBF, 0);  // each write reaches the sink as it is made
    }
    if (handle->f != s->captured_stdout) {
      s->original_stdout = handle->f;
      handle->f = s->captured_stdout;
    }
  } else if (s->captured_stdout != NULL && handle->f == s->captured_stdout) {
    handle->f = s->original_stdout;
  }
  return 1;
}

void bkup_release_captured_stdout(bkup_state *s) {
  if (s->captured_stdout != NULL) fclose(s->captured_stdout);
  s->captured_stdout = NULL;
}
