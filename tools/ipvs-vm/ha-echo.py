"""ha-echo.py VIP PORT - the real server of the director-HA scenarios: echoes every line it gets."""
import socket
import sys
import threading

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(256)


def serve(c):
    with c:
        while True:
            try:
                d = c.recv(4096)
            except OSError:
                return
            if not d:
                return
            c.sendall(d)


while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
