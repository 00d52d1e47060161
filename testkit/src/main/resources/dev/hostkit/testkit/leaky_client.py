# A client that leaks connections to a unix socket, for tests of socket-client surveys (testkit LeakyClient):
# each stdin line "N idle" opens N connections and sends nothing; "N ask" opens N, sends an HTTP ping on each and
# leaves the answer unread. None is ever closed. Prints "ok" after each line.
import resource
import socket
import sys

# Thousands of connections: the soft fd limit (often 1024) raised to the hard one.
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

path = sys.argv[1]
held = []
for line in sys.stdin:
    n, mode = line.split()
    for _ in range(int(n)):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        if mode == "ask":
            s.sendall(b"GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n")
            s.recv(1, socket.MSG_PEEK)  # wait for the answer, leave it queued
        held.append(s)
    print("ok", flush=True)
