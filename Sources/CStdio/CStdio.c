#define _GNU_SOURCE
#include "CStdio.h"

#include <stdio.h>
#include <sys/types.h>

typedef struct {
  void *context;
  bkup_stream_write_fn write;
} callback_stream;

static ssize_t callback_write(void *cookie, const char *buf, size_t size) {
  callback_stream *s = cookie;
  s->write(s->context, buf, size);
  return (ssize_t)size;
}

FILE *bkup_callback_stream(void *context, bkup_stream_write_fn write, int buffering) {
  static callback_stream streams[4];
  static int used;
  if (used == 4) return NULL;
  callback_stream *s = &streams[used++];
  s->context = context;
  s->write = write;
  cookie_io_functions_t functions = {NULL, callback_write, NULL, NULL};
  FILE *f = fopencookie(s, "w", functions);
  if (f != NULL) setvbuf(f, NULL, buffering, buffering == _IONBF ? 0 : 8192);
  return f;
}

FILE *bkup_stdout_stream(void) { return stdout; }
FILE *bkup_stderr_stream(void) { return stderr; }

void bkup_set_std_streams(FILE *out, FILE *err) {
  stdout = out;
  stderr = err;
}
