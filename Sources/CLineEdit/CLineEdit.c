#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <histedit.h>
#include "CLineEdit.h"

/* libedit (and the terminfo, libbsd and libmd it brings) is opened on the REPL's first use,
 * not by the dynamic loader at every start: a script never needs it, and loading it costs a
 * script's start-up about half a millisecond. */
static struct {
  EditLine *(*el_init)(const char *, FILE *, FILE *, FILE *);
  int (*el_set)(EditLine *, int, ...);
  int (*el_source)(EditLine *, const char *);
  void (*el_end)(EditLine *);
  const char *(*el_gets)(EditLine *, int *);
  void (*el_reset)(EditLine *);
  const LineInfo *(*el_line)(EditLine *);
  int (*el_insertstr)(EditLine *, const char *);
  History *(*history_init)(void);
  void (*history_end)(History *);
  int (*history)(History *, HistEvent *, int, ...);
} libedit;
static int libedit_state; /* 0 not tried, 1 loaded, -1 missing */

int bkup_el_available(void) {
  if (libedit_state) return libedit_state > 0;
  void *lib = dlopen("libedit.so.2", RTLD_NOW | RTLD_LOCAL);
  if (!lib) lib = dlopen("libedit.so", RTLD_NOW | RTLD_LOCAL);
  if (!lib) { libedit_state = -1; return 0; }
#define BKUP_BIND(name) \
  if (!(*(void **)&libedit.name = dlsym(lib, #name))) { libedit_state = -1; return 0; }
  BKUP_BIND(el_init) BKUP_BIND(el_set) BKUP_BIND(el_source) BKUP_BIND(el_end) BKUP_BIND(el_gets)
  BKUP_BIND(el_reset) BKUP_BIND(el_line) BKUP_BIND(el_insertstr) BKUP_BIND(history_init)
  BKUP_BIND(history_end) BKUP_BIND(history)
#undef BKUP_BIND
  libedit_state = 1;
  return 1;
}

static int bkup_el_getc(EditLine *el, wchar_t *wc);

/* The prompt as libedit draws it. libedit counts every byte of a prompt as a column and shows a
 * control character as ^X, so a colour escape in it would be drawn as "[1m" and misplace the
 * cursor. Each escape sequence is fenced with BKUP_PROMPT_IGNORE (EL_PROMPT_ESC): libedit then
 * writes it to the terminal as it is, in no column. */
#define BKUP_PROMPT_IGNORE '\1'
static char bkup_el_prompt_text[1024] = "> ";
static char *bkup_el_prompt(EditLine *el) { (void)el; return bkup_el_prompt_text; }

/* The length of the escape sequence at p (ESC [ parameters final, or ESC and one byte); 0 if
 * p does not start one. */
static size_t bkup_escape_length(const char *p) {
  if (p[0] != '\033' || p[1] == 0) return 0;
  if (p[1] != '[') return 2;
  size_t n = 2;
  while (p[n] && !(p[n] >= 0x40 && p[n] <= 0x7e)) n++;
  return p[n] ? n + 1 : n;
}

void bkup_el_set_prompt(const char *p) {
  size_t out = 0, room = sizeof bkup_el_prompt_text - 1;
  while (*p && out < room) {
    size_t n = bkup_escape_length(p);
    if (n == 0) {
      if (*p != BKUP_PROMPT_IGNORE) bkup_el_prompt_text[out++] = *p;
      p++;
      continue;
    }
    if (out + n + 2 > room) break;
    bkup_el_prompt_text[out++] = BKUP_PROMPT_IGNORE;
    memcpy(&bkup_el_prompt_text[out], p, n);
    out += n;
    bkup_el_prompt_text[out++] = BKUP_PROMPT_IGNORE;
    p += n;
  }
  bkup_el_prompt_text[out] = 0;
}

EditLine *bkup_el_open(const char *prog, History *h, unsigned char (*complete)(EditLine *, int), FILE *out,
                       FILE *err) {
  if (!bkup_el_available()) return NULL;
  EditLine *el = libedit.el_init(prog, stdin, out, err);
  if (!el) return NULL;
  libedit.el_set(el, EL_EDITOR, "emacs");
  libedit.el_set(el, EL_PROMPT_ESC, bkup_el_prompt, BKUP_PROMPT_IGNORE);
  libedit.el_set(el, EL_HIST, libedit.history, h);
  libedit.el_set(el, EL_ADDFN, "bkup-complete", "complete a Lua name", complete);
  libedit.el_set(el, EL_BIND, "^I", "bkup-complete", NULL);
  libedit.el_set(el, EL_GETCFN, bkup_el_getc);
  libedit.el_source(el, NULL);
  return el;
}

void bkup_el_close(EditLine *el) { if (el) libedit.el_end(el); }
const char *bkup_el_gets(EditLine *el, int *count) { return libedit.el_gets(el, count); }
void bkup_el_reset(EditLine *el) { libedit.el_reset(el); }
int bkup_el_insert(EditLine *el, const char *text) { return libedit.el_insertstr(el, text); }

History *bkup_history_open(int size) {
  if (!bkup_el_available()) return NULL;
  History *h = libedit.history_init();
  HistEvent ev;
  libedit.history(h, &ev, H_SETSIZE, size);
  libedit.history(h, &ev, H_SETUNIQUE, 1);
  return h;
}
void bkup_history_close(History *h) { if (h) libedit.history_end(h); }
void bkup_history_add(History *h, const char *line) { HistEvent ev; libedit.history(h, &ev, H_ENTER, line); }
int bkup_history_load(History *h, const char *path) { HistEvent ev; return libedit.history(h, &ev, H_LOAD, path); }
int bkup_history_save(History *h, const char *path) { HistEvent ev; return libedit.history(h, &ev, H_SAVE, path); }

/* The text before the cursor, copied into buf (NUL-terminated). */
int bkup_el_before_cursor(EditLine *el, char *buf, int size) {
  const LineInfo *li = libedit.el_line(el);
  int n = (int)(li->cursor - li->buffer);
  if (n >= size) n = size - 1;
  memcpy(buf, li->buffer, (size_t)n);
  buf[n] = 0;
  return n;
}

#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>
#include <wchar.h>

/* At the prompt, Ctrl-C must end el_gets so that the line is cleared. A flag alone races with
 * libedit (the signal may land between two reads); the handler also writes to a pipe that the
 * read function below polls beside the terminal (the self-pipe trick). */
static volatile sig_atomic_t bkup_el_sigint_seen;
static struct sigaction bkup_el_old_sigint;
static int bkup_el_pipe[2] = {-1, -1};

static void bkup_el_on_sigint(int s) {
  (void)s;
  bkup_el_sigint_seen = 1;
  if (bkup_el_pipe[1] >= 0) {
    int saved = errno;
    char c = 1;
    ssize_t ignored = write(bkup_el_pipe[1], &c, 1);
    (void)ignored;
    errno = saved;
  }
}

void bkup_el_catch_sigint(void) {
  if (bkup_el_pipe[0] < 0 && pipe(bkup_el_pipe) == 0) {
    for (int i = 0; i < 2; i++) {
      fcntl(bkup_el_pipe[i], F_SETFL, fcntl(bkup_el_pipe[i], F_GETFL) | O_NONBLOCK);
      fcntl(bkup_el_pipe[i], F_SETFD, FD_CLOEXEC);
    }
  }
  char drain[64];
  while (bkup_el_pipe[0] >= 0 && read(bkup_el_pipe[0], drain, sizeof drain) > 0) {}
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = bkup_el_on_sigint;
  sigemptyset(&sa.sa_mask);
  bkup_el_sigint_seen = 0;
  sigaction(SIGINT, &sa, &bkup_el_old_sigint);
}

int bkup_el_take_sigint(void) { int s = bkup_el_sigint_seen; bkup_el_sigint_seen = 0; return s; }
void bkup_el_release_sigint(void) { sigaction(SIGINT, &bkup_el_old_sigint, NULL); }

/* libedit's read function: one character from the terminal, or -1 once Ctrl-C was pressed. */
static int bkup_el_getc(EditLine *el, wchar_t *wc) {
  (void)el;
  char buf[MB_LEN_MAX];
  size_t n = 0;
  for (;;) {
    if (bkup_el_sigint_seen) { errno = EINTR; return -1; }
    struct pollfd fds[2] = {{0, POLLIN, 0}, {bkup_el_pipe[0], POLLIN, 0}};
    int r = poll(fds, bkup_el_pipe[0] >= 0 ? 2 : 1, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (bkup_el_pipe[0] >= 0 && (fds[1].revents & POLLIN)) continue;  /* the flag is set */
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t k = read(0, &buf[n], 1);
      if (k == 0) return 0;
      if (k < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return -1;
      }
      n++;
      mbstate_t st;
      memset(&st, 0, sizeof st);
      size_t m = mbrtowc(wc, buf, n, &st);
      if (m == (size_t)-2 && n < sizeof buf) continue;  /* an incomplete multibyte character */
      if (m == (size_t)-1 || m == (size_t)-2) *wc = (wchar_t)(unsigned char)buf[0];
      return 1;
    }
  }
}
