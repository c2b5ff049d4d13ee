#include <stdio.h>
#include <string.h>
#include <histedit.h>
#include "CLineEdit.h"

static char bkup_el_prompt_text[512] = "> ";
static char *bkup_el_prompt(EditLine *el) { (void)el; return bkup_el_prompt_text; }
void bkup_el_set_prompt(const char *p) {
  strncpy(bkup_el_prompt_text, p, sizeof bkup_el_prompt_text - 1);
  bkup_el_prompt_text[sizeof bkup_el_prompt_text - 1] = 0;
}

EditLine *bkup_el_open(const char *prog, History *h,
                                     unsigned char (*complete)(EditLine *, int)) {
  EditLine *el = el_init(prog, stdin, stdout, stderr);
  if (!el) return NULL;
  el_set(el, EL_EDITOR, "emacs");
  el_set(el, EL_PROMPT, bkup_el_prompt);
  el_set(el, EL_HIST, history, h);
  el_set(el, EL_ADDFN, "bkup-complete", "complete a Lua name", complete);
  el_set(el, EL_BIND, "^I", "bkup-complete", NULL);
  el_source(el, NULL);
  return el;
}

History *bkup_history_open(int size) {
  History *h = history_init();
  HistEvent ev;
  history(h, &ev, H_SETSIZE, size);
  history(h, &ev, H_SETUNIQUE, 1);
  return h;
}
void bkup_history_add(History *h, const char *line) { HistEvent ev; history(h, &ev, H_ENTER, line); }
int bkup_history_load(History *h, const char *path) { HistEvent ev; return history(h, &ev, H_LOAD, path); }
int bkup_history_save(History *h, const char *path) { HistEvent ev; return history(h, &ev, H_SAVE, path); }

/* The text before the cursor, copied into buf (NUL-terminated). */
int bkup_el_before_cursor(EditLine *el, char *buf, int size) {
  const LineInfo *li = el_line(el);
  int n = (int)(li->cursor - li->buffer);
  if (n >= size) n = size - 1;
  memcpy(buf, li->buffer, (size_t)n);
  buf[n] = 0;
  return n;
}

#include <signal.h>
/* At the prompt, Ctrl-C must interrupt the read (no SA_RESTART) so that the line is cleared. */
static volatile sig_atomic_t bkup_el_sigint_seen;
static struct sigaction bkup_el_old_sigint;
static void bkup_el_on_sigint(int s) { (void)s; bkup_el_sigint_seen = 1; }
void bkup_el_catch_sigint(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = bkup_el_on_sigint;
  sigemptyset(&sa.sa_mask);
  bkup_el_sigint_seen = 0;
  sigaction(SIGINT, &sa, &bkup_el_old_sigint);
}
int bkup_el_take_sigint(void) { int s = bkup_el_sigint_seen; bkup_el_sigint_seen = 0; return s; }
void bkup_el_release_sigint(void) { sigaction(SIGINT, &bkup_el_old_sigint, NULL); }

