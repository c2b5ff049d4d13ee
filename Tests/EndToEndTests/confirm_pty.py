"""Answers `bkup apply`'s question on a pseudo-terminal, as a person would.
usage: confirm_pty.py ANSWER BKUP ARGS...  -- prints what bkup wrote, then 'exit N'.
The environment is passed on; the answer is typed once the question is on the screen."""
import os, pty, select, sys, time

answer, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
out = b""
typed = False
end = time.time() + 60
while time.time() < end:
    if not typed and b"[y/N] " in out:
        os.write(fd, answer.encode() + b"\n")
        typed = True
    r, _, _ = select.select([fd], [], [], 0.05)
    if r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
print("exit %d" % os.waitstatus_to_exitcode(status))
