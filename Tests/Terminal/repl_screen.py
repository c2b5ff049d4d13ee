"""Drives bkup's REPL on a colour terminal, as a person at xterm would, and reads what the
terminal shows: the bytes go through a terminal emulator (pyte) and the scenarios look at its
rendered screen (each cell's character, the bold attribute, the cursor), not at the byte stream.

usage: repl_screen.py BKUP_BINARY STATE_DIR   -- prints 'ok NAME' or 'FAIL NAME: why' per scenario.
"""
import fcntl, os, pty, select, signal, struct, sys, termios, time

import pyte

BKUP, STATE = sys.argv[1], sys.argv[2]
COLUMNS, ROWS = 100, 30
PROMPT = "bkup[emulator]> "


class Terminal:
    """bkup on a pseudo-terminal of COLUMNS x ROWS, TERM=xterm-256color, colour on."""

    def __init__(self, columns=None, rows=None):
        self.columns, self.rows = columns or COLUMNS, rows or ROWS
        env = dict(os.environ)
        for k in ("APPWRITE_ENDPOINT", "APPWRITE_PROJECT_ID", "APPWRITE_API_KEY", "NO_COLOR", "_PROMPT"):
            env.pop(k, None)
        env.update({"XDG_STATE_HOME": STATE + "/state", "XDG_DATA_HOME": STATE + "/data", "HOME": STATE,
                    "TERM": "xterm-256color", "COLUMNS": str(self.columns), "LINES": str(self.rows)})
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(BKUP, [BKUP], env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.columns, 0, 0))
        self.screen = pyte.Screen(self.columns, self.rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = b""

    def pump(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if not r:
                continue
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            self.raw += data
            self.stream.feed(data)

    def lines(self):
        return [line.rstrip() for line in self.screen.display]

    def cursor_line(self):
        return self.screen.display[self.screen.cursor.y].rstrip()

    def wait(self, what, timeout=20.0):
        """Until `what(self)` holds for the rendered screen; then a pause, for the rest to draw."""
        end = time.time() + timeout
        while time.time() < end:
            self.pump(0.05)
            if what(self):
                self.pump(0.2)
                return
        raise AssertionError("screen never showed it; it shows:\n" + "\n".join(self.lines()))

    def wait_for_prompt(self, text="", timeout=20.0, prompt=PROMPT):
        """Until the cursor's line is the prompt followed by `text`, and the cursor stands after it."""
        want = prompt + text

        def ready(t):
            return t.cursor_line() == want.rstrip() and t.screen.cursor.x == len(want)
        try:
            self.wait(ready, timeout)
        except AssertionError:
            raise AssertionError("expected the line %r with the cursor at column %d; the cursor is at %d on %r; screen:\n%s" % (
                want, len(want), self.screen.cursor.x, self.cursor_line(), "\n".join(self.lines())))
        # libedit draws the prompt a moment before it puts the terminal in raw mode: keys sent
        # inside that window reach the tty's line discipline instead.
        time.sleep(0.3)

    def send(self, text):
        os.write(self.fd, text.encode())

    def close(self):
        if self.pid == -1:
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        self.pid = -1

    def exit_status(self, timeout):
        end = time.time() + timeout
        while time.time() < end:
            self.pump(0.1)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.pid = -1
                return os.WEXITSTATUS(status)
        return None


def row_of(t, text):
    for y, line in enumerate(t.lines()):
        if line == text:
            return y
    raise AssertionError("no line %r on the screen:\n%s" % (text, "\n".join(t.lines())))


def scenario(name, fn, size=(None, None)):
    t = Terminal(*size)
    try:
        fn(t)
        print("ok " + name, flush=True)
    except Exception as e:  # noqa: BLE001 - every failure is reported as the scenario's
        print("FAIL %s: %s" % (name, e), flush=True)
    finally:
        t.close()


def prompt_is_clean_and_bold(t):
    t.wait_for_prompt()
    y = t.screen.cursor.y
    shown = t.cursor_line()
    if "[1m" in shown or "[0m" in shown or "\x1b" in shown:
        raise AssertionError("the prompt shows its escape codes: %r" % shown)
    cells = [t.screen.buffer[y][x] for x in range(len(PROMPT))]
    if not all(c.bold for c in cells[:len(PROMPT) - 1]):
        raise AssertionError("the prompt is not bold: the terminal was not given its colour codes")
    if any(t.screen.buffer[y][x].bold for x in range(len(PROMPT), COLUMNS)):
        raise AssertionError("bold does not end with the prompt")
    banner = [line for line in t.lines() if line.startswith("bkup ")]
    if not banner or "help() for help" not in banner[0]:
        raise AssertionError("no banner above the prompt: %r" % t.lines())


def expression_result(t):
    t.wait_for_prompt()
    t.send("1 + 41")
    t.wait_for_prompt("1 + 41")
    t.send("\r")
    t.wait(lambda t: "42" in t.lines() and t.cursor_line() == PROMPT.rstrip())
    typed = row_of(t, PROMPT + "1 + 41")
    if t.lines()[typed + 1] != "42":
        raise AssertionError("the result is not on the line below what was typed: %r" % t.lines()[typed:typed + 3])
    t.send("{name = 'x', list = {1, 2, 3}}\r")
    t.wait(lambda t: '{list = {1, 2, 3}, name = "x"}' in t.lines())
    t.wait_for_prompt()


def completion(t):
    t.wait_for_prompt()
    t.send("backups.pol\t")
    t.wait_for_prompt("backups.policies")
    t.send(".upd\t")
    t.wait_for_prompt("backups.policies.update")
    # What the screen shows is what the line holds.
    t.send("\x01type(\x05)\r")
    t.wait(lambda t: '"function"' in t.lines())
    t.wait_for_prompt()


def history(t):
    t.wait_for_prompt()
    t.send("kept = 6 * 7\r")
    t.wait_for_prompt()
    t.send("'another line'\r")
    t.wait(lambda t: '"another line"' in t.lines())
    t.wait_for_prompt()
    t.send("\x1b[A\x1b[A")  # up twice: the first line, drawn in place of the second
    t.wait_for_prompt("kept = 6 * 7")
    t.send("\x1b[B")
    t.wait_for_prompt("'another line'")
    t.send("\x15kept\r")  # Ctrl-U clears the recalled line
    t.wait(lambda t: "42" in t.lines())
    t.wait_for_prompt()


def ctrl_c(t):
    t.wait_for_prompt()
    t.send("half typed")
    t.wait_for_prompt("half typed")
    t.send("\x03")  # at the prompt: the line is dropped, a fresh prompt comes
    t.wait_for_prompt()
    t.send("while true do end\r")
    time.sleep(0.5)
    t.send("\x03")  # a running line: it stops
    t.wait(lambda t: any("interrupted!" in line for line in t.lines()))
    t.wait_for_prompt()
    t.send("'still here'\r")
    t.wait(lambda t: '"still here"' in t.lines())
    t.wait_for_prompt()
    t.send("\x04")
    status = t.exit_status(10)
    if status != 0:
        raise AssertionError("Ctrl-D: exit status %r" % status)


def the_binary_under_test(t):
    t.wait_for_prompt()
    t.send("io.popen('readlink /proc/$PPID/exe'):read('l')\r")
    expected = '"%s"' % os.path.realpath(BKUP)
    t.wait(lambda t: any(line == expected for line in t.lines()))
    t.wait_for_prompt()


if __name__ == "__main__":
    for name, fn in [("prompt_is_clean_and_bold", prompt_is_clean_and_bold), ("expression_result", expression_result),
                     ("completion", completion), ("history", history), ("ctrl_c", ctrl_c),
                     ("the_binary_under_test", the_binary_under_test)]:
        scenario(name, fn)
