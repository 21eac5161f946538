#!/usr/bin/env python3
"""The receiving end of a socket over which a runtime sends fds (SCM_RIGHTS: runc's utils.SendFds,
cmsg.SendRawFd). Accept one connection, take one message and its fds, then:

  fd_receiver.py console SOCKET OUT       --console-socket: the fd is the pty master; copy what the
                                          container writes to OUT until the pty closes (OUT.meta:
                                          "fds=N")
  fd_receiver.py pidfd SOCKET OUT [kill]  --pidfd-socket (runc 1.2+): write "<message> <pid> fds=N"
                                          to OUT (the pid from /proc/self/fdinfo: what the pidfd
                                          really refers to); with kill, SIGKILL the process through
                                          the pidfd (as runc's tests/cmd/pidfd-kill)

seccomp_agent.py takes its messages with recv_fds too."""
import array, os, signal, socket, sys


def recv_fds(conn, size=4096):
    """One message and the fds that came with it (at most 16)."""
    fds = array.array('i')
    msg, anc, _, _ = conn.recvmsg(size, socket.CMSG_SPACE(16 * fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    return msg, list(fds)


def listen(sock_path, backlog=1):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock_path)
    srv.listen(backlog)
    return srv


def receive_one(sock_path):
    conn, _ = listen(sock_path).accept()
    msg, fds = recv_fds(conn)
    conn.close()
    return msg, fds


def console(out_path, fds):
    with open(out_path + '.meta', 'w') as meta:
        meta.write('fds=%d\n' % len(fds))
    if not fds:
        sys.exit(1)
    with open(out_path, 'wb') as out:
        while True:
            try:
                data = os.read(fds[0], 4096)
            except OSError:
                break
            if not data:
                break
            out.write(data)
            out.flush()


def pidfd(out_path, msg, fds, kill):
    pid = '?'
    if len(fds) == 1:
        with open('/proc/self/fdinfo/%d' % fds[0]) as info:
            pid = next((l.split()[1] for l in info if l.startswith('Pid:')), '?')
    tmp = out_path + '.tmp'
    with open(tmp, 'w') as out:
        out.write('%s %s fds=%d\n' % (msg.decode(), pid, len(fds)))
    os.rename(tmp, out_path)
    if kill and fds:
        signal.pidfd_send_signal(fds[0], signal.SIGKILL)


if __name__ == '__main__':
    mode, sock_path, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode not in ('console', 'pidfd'):
        sys.exit('usage: fd_receiver.py console|pidfd SOCKET OUT [kill]')
    msg, fds = receive_one(sock_path)
    if mode == 'console':
        console(out_path, fds)
    else:
        pidfd(out_path, msg, fds, sys.argv[4:5] == ['kill'])
