// libedit glue for the REPL: non-variadic wrappers Swift can call, the prompt, and a SIGINT
// handler that interrupts the read at the prompt.
#ifndef CLINEEDIT_H
#define CLINEEDIT_H
#include <stdio.h>
#include <histedit.h>

// 1 when libedit could be opened (it is loaded on first use); without it the REPL reads lines
// as from a pipe.
int bkup_el_available(void);
// The prompt to draw; its escape sequences (colours) are passed to the terminal in no column.
void bkup_el_set_prompt(const char *p);
// `out` and `err` are the terminal's own streams (the REPL's echo of what the user types).
EditLine *bkup_el_open(const char *prog, History *h, unsigned char (*complete)(EditLine *, int), FILE *out, FILE *err);
void bkup_el_close(EditLine *el);
const char *bkup_el_gets(EditLine *el, int *count);
void bkup_el_reset(EditLine *el);
int bkup_el_insert(EditLine *el, const char *text);
History *bkup_history_open(int size);
void bkup_history_close(History *h);
void bkup_history_add(History *h, const char *line);
int bkup_history_load(History *h, const char *path);
int bkup_history_save(History *h, const char *path);
int bkup_el_before_cursor(EditLine *el, char *buf, int size);
void bkup_el_catch_sigint(void);
int bkup_el_take_sigint(void);
void bkup_el_release_sigint(void);

static const unsigned char BKUP_CC_REFRESH = CC_REFRESH;
static const unsigned char BKUP_CC_REDISPLAY = CC_REDISPLAY;
static const unsigned char BKUP_CC_ERROR = CC_ERROR;
#endif
