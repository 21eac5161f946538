#!/usr/bin/env python3
"""A console socket as runc's --console-socket expects one: accept one connection, receive the pty
master over SCM_RIGHTS, copy what the container writes to OUT until the pty closes.
Usage: console_socket.py SOCKET OUT"""
import array, os, socket, sys

sock_path, out_path = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path)
srv.listen(1)
conn, _ = srv.accept()
fds = array.array('i')
msg, anc, _, _ = conn.recvmsg(4096, socket.CMSG_SPACE(16 * fds.itemsize))
for level, kind, data in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
conn.close()
with open(out_path + '.meta', 'w') as meta:
    meta.write('fds=%d\n' % len(fds))
if not fds:
    sys.exit(1)
master = fds[0]
with open(out_path, 'wb') as out:
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        out.write(data)
        out.flush()
