"""A port whose listen queue is full, so that a new connection is never accepted (its SYN is
dropped): what a firewall that drops packets looks like to a client.

    full_listener.py   -- prints its port, then holds the queue full for a minute
"""
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
print(s.getsockname()[1], flush=True)
held = []
for _ in range(4):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(("127.0.0.1", s.getsockname()[1]))
    except BlockingIOError: pass
    held.append(c)
time.sleep(60)
