"""Drives `bkup` through a pseudo-terminal, as a person at a keyboard would.
usage: repl_pty.py BKUP_BINARY STATE_DIR   -- prints 'ok NAME' or 'FAIL NAME: why' per scenario."""
import os, pty, re, select, signal, sys, time

BKUP, STATE = sys.argv[1], sys.argv[2]
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]")


class Session:
    def __init__(self, env_extra=None):
        env = dict(os.environ)
        for k in ("APPWRITE_ENDPOINT", "APPWRITE_PROJECT_ID", "APPWRITE_API_KEY"):
            env.pop(k, None)
        env.update({"XDG_STATE_HOME": STATE + "/state", "XDG_DATA_HOME": STATE + "/data", "TERM": "xterm", "HOME": STATE})
        env.pop("NO_COLOR", None)
        env.update(env_extra or {})
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(BKUP, [BKUP], env)
        self.raw = b""   # output not yet matched by expect()
        self.log = b""   # everything since the last mark()

    def read(self, until=None, timeout=10.0):
        end = time.time() + timeout
        while time.time() < end:
            if until is not None and re.search(until, self.raw):
                return True
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if r:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    return until is None
                if not data:
                    return until is None
                self.raw += data
                self.log += data
        return until is None

    def send(self, text):
        os.write(self.fd, text.encode() if isinstance(text, str) else text)

    def expect(self, pattern, timeout=10.0):
        """Waits for pattern in output not matched before, and consumes up to it."""
        pattern = pattern if isinstance(pattern, bytes) else pattern.encode()
        if not self.read(pattern, timeout):
            raise AssertionError("did not see %r in %r" % (pattern, self.raw[-600:]))
        self.raw = self.raw[re.search(pattern, self.raw).end():]

    def settle(self):
        """A person's pause after the prompt appears: libedit draws the prompt a moment before
        it puts the terminal in raw mode, and keys typed inside that window reach the tty's
        cooked-mode line discipline instead."""
        time.sleep(0.4)

    def mark(self):
        self.log = b""

    def wait_exit(self, timeout):
        """The exit status, or None if the process is still running after `timeout` seconds."""
        end = time.time() + timeout
        while time.time() < end:
            self.read(None, 0.1)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.pid = -1
                return os.WEXITSTATUS(status)
        return None

    def close(self):
        if self.pid == -1:
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        self.pid = -1


def scenario(name, fn):
    try:
        fn()
        print("ok " + name, flush=True)
    except Exception as e:  # noqa
        print("FAIL %s: %s" % (name, e), flush=True)


PROMPT = rb"bkup\[emulator\]> "


def multi_line_function():
    s = Session()
    try:
        s.expect(PROMPT)
        s.send("function twice(x)\r")
        s.expect(rb">> ")
        s.send("  return x * 2\r")
        s.expect(rb">> ")
        s.send("end\r")
        s.expect(PROMPT)
        s.mark()
        s.send("twice(21)\r")
        s.expect(rb"42")
        s.expect(PROMPT)
    finally:
        s.close()


def tab_completion():
    s = Session()
    try:
        s.expect(PROMPT)
        s.mark()
        # The completed text must really be in the line: the call below only works if it is.
        s.send("type(backups.pol\t")
        s.expect(rb"icies")
        s.send(".upd\t")
        s.expect(rb"ate")
        s.send(")\r")
        s.expect(rb'"function"')
        s.expect(PROMPT)
    finally:
        s.close()


def expression_printed():
    s = Session()
    try:
        s.expect(PROMPT)
        s.mark()
        s.send("{name = 'x', list = {1, 2, 3}, n = 1.5}\r")
        s.expect(rb'"x"')
        s.expect(PROMPT)
        plain = ANSI.sub(b"", s.log)
        if b'{list = {1, 2, 3}, n = 1.5, name = "x"}' not in plain:
            raise AssertionError("printed %r" % plain)
        s.send("_.name\r")
        s.expect(rb'"x"')
        s.send("local t = {} t.self = t return t\r")
        s.expect(rb"<cycle>")
        s.mark()
        s.send("backups.policies.get('missing')\r")
        s.expect(rb"backup_policy_not_found \(404\)")
        s.expect(PROMPT)
    finally:
        s.close()


def ctrl_c_stops_a_loop():
    s = Session()
    try:
        s.expect(PROMPT)
        s.settle()
        s.send("kept = 41\r")
        s.expect(PROMPT)
        s.settle()
        s.mark()
        s.send("while true do end\r")
        time.sleep(0.5)
        s.send("\x03")
        s.expect(rb"interrupted!")
        s.expect(PROMPT)
        s.settle()
        s.mark()
        s.send("kept + 1\r")
        s.expect(rb"42")
        s.expect(PROMPT)
        s.settle()
        s.send("half typed line")
        s.expect(rb"typed line")
        s.mark()
        s.send("\x03")  # Ctrl-C at the prompt clears the line
        s.expect(PROMPT)
        s.settle()
        s.send("'after'\r")
        s.expect(rb'"after"')
        s.expect(PROMPT)
        s.settle()
        s.send("\x04")  # Ctrl-D leaves
        status = s.wait_exit(10)
        if status is None:
            raise AssertionError("did not exit on Ctrl-D: %r" % s.log[-300:])
        if status != 0:
            raise AssertionError("exit status %d" % status)
    finally:
        s.close()


def history_kept():
    s = Session()
    try:
        s.expect(PROMPT)
        s.send("remembered_value = 7\r")
        s.expect(PROMPT)
        s.send("APPWRITE_API_KEY = 'sekrit'\r")
        s.expect(PROMPT)
        s.send("exit()\r")
        if s.wait_exit(10) != 0:
            raise AssertionError("exit() did not leave with status 0")
    finally:
        s.close()
    s = Session()
    try:
        s.expect(PROMPT)
        s.send("\x1b[A\x1b[A")  # up twice: past exit(), and the key line was never stored
        s.expect(rb"remembered_value = 7")
    finally:
        s.close()
    text = open(STATE + "/state/bkup/history", "rb").read()
    if b"remembered_value" not in text:
        raise AssertionError("history file lacks the line")
    if b"sekrit" in text:
        raise AssertionError("a line with the API key was stored")


def no_color():
    s = Session({"NO_COLOR": "1"})
    try:
        s.expect(PROMPT)
        s.mark()
        s.send("{1, 'two'}\r")
        s.expect(rb"two")
        s.expect(PROMPT)
        if re.search(rb"\x1b\[[0-9;]*m", s.log):
            raise AssertionError("colour escapes with NO_COLOR: %r" % s.log)
    finally:
        s.close()
    s = Session()
    try:
        s.expect(PROMPT)
        s.mark()
        s.send("'colour'\r")
        s.expect(rb"colour")
        s.expect(PROMPT)
        if not re.search(rb"\x1b\[32m", s.log):
            raise AssertionError("no colour on a terminal: %r" % s.log)
    finally:
        s.close()


def help_works():
    s = Session()
    try:
        s.expect(PROMPT)
        s.mark()
        s.send("help(backups.policies.update)\r")
        s.expect(rb"backups\.policies\.update\(id, \{name\?, retention\?, schedule\?, enabled\?\}\)")
        s.expect(rb"absent fields stay as they are")
    finally:
        s.close()


def progress_bar():
    s = Session()
    try:
        s.expect(PROMPT)
        s.settle()
        s.mark()
        s.send("#task.map({1, 2, 3, 4}, function(x) task.sleep(0.05) return x end, {concurrency = 2})\r")
        s.expect(rb"4/4")
        s.expect(PROMPT)
        if b"[####" not in s.log:
            raise AssertionError("no progress bar on a terminal: %r" % s.log)
    finally:
        s.close()


for name, fn in [("progress_bar", progress_bar), ("multi_line_function", multi_line_function), ("tab_completion", tab_completion),
                 ("expression_printed", expression_printed), ("ctrl_c_stops_a_loop", ctrl_c_stops_a_loop),
                 ("history_kept", history_kept), ("no_color", no_color), ("help", help_works)]:
    scenario(name, fn)
