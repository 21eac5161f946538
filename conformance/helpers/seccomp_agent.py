#!/usr/bin/env python3
"""A seccomp agent for listenerPath: for each connection, record every recvmsg (bytes, number of
fds), whether the peer closed the connection, and the payload; close the received fds at once (so
the notified syscalls fail with ENOSYS instead of blocking). Writes OUT (JSON list) after each
connection. Usage: seccomp_agent.py SOCKET OUT"""
import array, json, os, socket, sys

sock_path, out_path = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path)
srv.listen(8)
conns = []
while True:
    conn, _ = srv.accept()
    conn.settimeout(5)
    rec = {'messages': [], 'payload': '', 'closed': False}
    try:
        while True:
            fds = array.array('i')
            msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(16 * fds.itemsize))
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
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
