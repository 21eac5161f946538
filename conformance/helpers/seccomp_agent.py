#!/usr/bin/env python3
"""A seccomp agent for listenerPath: for each connection, record every recvmsg (bytes, number of
fds), whether the peer closed the connection, and the payload; close the received fds at once (so
the notified syscalls fail with ENOSYS instead of blocking). Writes OUT (JSON list) after each
connection. Usage: seccomp_agent.py SOCKET OUT"""
import json, os, socket, sys

from fd_receiver import listen, recv_fds

sock_path, out_path = sys.argv[1], sys.argv[2]
srv = listen(sock_path, 8)
conns = []
while True:
    conn, _ = srv.accept()
    conn.settimeout(5)
    rec = {'messages': [], 'payload': '', 'closed': False}
    try:
        while True:
            msg, fds = recv_fds(conn, 65536)
            for fd in fds:
                os.close(fd)
            if not msg and not fds:
                rec['closed'] = True
                break
            rec['messages'].append({'bytes': len(msg), 'fds': len(fds)})
            rec['payload'] += msg.decode('utf-8', 'replace')
    except socket.timeout:
        pass
    conn.close()
    conns.append(rec)
    tmp = out_path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(conns, f)
    os.rename(tmp, out_path)
