"""The same 10,000 policy updates with the official Python SDK (pip install appwrite):
a plain loop, and a 32-thread pool.  python3 python_updates.py URL PROJECT KEY N MODE"""
import sys, time
from concurrent.futures import ThreadPoolExecutor
from appwrite.client import Client
from appwrite.services.backups import Backups

url, project, key, n, mode = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]

def make():
    c = Client()
    c.set_endpoint(url).set_project(project).set_key(key)
    return Backups(c)

ids = ["bench-%05d" % (i + 1) for i in range(n)]
if mode == "loop":
    b = make()
    t0 = time.time()
    for i, pid in enumerate(ids):
        b.update_policy(pid, retention=7 + (i % 20))
    dt = time.time() - t0
    print("python SDK loop     %8.0f updates/s  (%d in %.2fs)" % (n / dt, n, dt))
else:
    import threading
    local = threading.local()
    def one(arg):
        i, pid = arg
        if not hasattr(local, "b"):
            local.b = make()
        local.b.update_policy(pid, retention=7 + (i % 20))
    t0 = time.time()
    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(one, enumerate(ids)))
    dt = time.time() - t0
    print("python SDK 32 thr   %8.0f updates/s  (%d in %.2fs)" % (n / dt, n, dt))
