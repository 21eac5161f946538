#!/usr/bin/python3
# A D-Bus service for test/integration/dbus.test.ts, written with GLib's GDBus (an implementation
# independent of src/cgroups/dbus.ts): it joins the bus at ADDRESS as test.tsrunc.Peer and serves
# /test with methods that echo what they get, fail, chatter, send much, or never answer.
#   dbus_peer.py ADDRESS      prints "ready" once the name is owned
import sys

import gi

gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

XML = '''
<node>
  <interface name="test.tsrunc.Peer">
    <method name="Echo">%s</method>
    <method name="EchoAll">%s</method>
    <method name="Fail"/>
    <method name="Chatty"><arg direction="out" type="s"/></method>
    <method name="Big"><arg direction="in" type="u"/><arg direction="out" type="ay"/></method>
    <method name="Never"/>
    <signal name="Noise"><arg type="s"/></signal>
  </interface>
</node>
''' % tuple(''.join('<arg direction="%s" type="%s"/>' % (d, t) for d in ('in', 'out') for t in ts)
            for ts in (['s', 's', 'a(sv)', 'a(sa(sv))'], list('ybnqiuxtdsog') + ['av']))
kept = []  # invocations never answered (Never) stay referenced


def on_call(conn, sender, path, iface, method, params, inv):
    if method in ('Echo', 'EchoAll'):
        inv.return_value(params)  # GDBus read it and writes it again
    elif method == 'Fail':
        inv.return_dbus_error('org.freedesktop.systemd1.NoSuchUnit', 'Unit x.scope not loaded.')
    elif method == 'Chatty':
        conn.emit_signal(sender, '/test', 'test.tsrunc.Peer', 'Noise', GLib.Variant('(s)', ('noise',)))
        inv.return_value(GLib.Variant('(s)', ('after the noise',)))
    elif method == 'Big':
        n = params.unpack()[0]
        data = GLib.Bytes.new(bytes(range(251)) * (n // 251) + bytes(range(n % 251)))
        inv.return_value(GLib.Variant.new_tuple(GLib.Variant.new_from_bytes(GLib.VariantType('ay'), data, True)))
    elif method == 'Never':
        kept.append(inv)


conn = Gio.DBusConnection.new_for_address_sync(
    sys.argv[1], Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
info = Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0]
conn.register_object('/test', info, on_call, None, None)
reply = conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'RequestName',
                       GLib.Variant('(su)', ('test.tsrunc.Peer', 4)), None, Gio.DBusCallFlags.NONE, -1, None)
assert reply.unpack()[0] == 1, reply
print('ready', flush=True)
GLib.MainLoop().run()
