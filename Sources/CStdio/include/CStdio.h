// stdio glue the Swift importer does not reach: a stream whose bytes go to a callback
// (fopencookie), and replacing the process's stdout and stderr.
#ifndef CSTDIO_H
#define CSTDIO_H
#include <stddef.h>
#include <stdio.h>

typedef void (*bkup_stream_write_fn)(void *context, const char *bytes, size_t count);

// A write-only stream that hands every buffer it flushes to `write`; buffering is _IOFBF,
// _IOLBF or _IONBF. NULL on failure.
FILE *bkup_callback_stream(void *context, bkup_stream_write_fn write, int buffering);

// The current stdout and stderr, and replacing them (for code that writes to them from now on).
FILE *bkup_stdout_stream(void);
FILE *bkup_stderr_stream(void);
void bkup_set_std_streams(FILE *out, FILE *err);

static const int BKUP_IOFBF = _IOFBF;
static const int BKUP_IOLBF = _IOLBF;
static const int BKUP_IONBF = _IONBF;
#endif
