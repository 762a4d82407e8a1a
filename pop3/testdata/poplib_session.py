"""Drive one POP3 session with Python's poplib and print what it saw as JSON.

usage: poplib_session.py HOST PORT MODE CAFILE USER PASSWORD [remote]

MODE is plain, stls (STLS before logging in) or tls (POP3S). With "remote",
the server treats the client as remote: USER must be refused before STLS.
Every message body is given in base64, as poplib returned it (dot-stuffing
undone, each line ended with CRLF again). The session deletes messages 1
and 2 and quits, so the caller can check that exactly those went.
"""

import base64
import hashlib
import json
import poplib
import ssl
import sys


def b64(lines):
    return base64.b64encode(b"".join(l + b"\r\n" for l in lines)).decode()


def err(fn, *args):
    """Run a command that must fail; return the server's answer."""
    try:
        fn(*args)
    except poplib.error_proto as e:
        return e.args[0].decode() if isinstance(e.args[0], bytes) else str(e.args[0])
    raise SystemExit("command %s%r did not fail" % (fn.__name__, args))


def main():
    host, port, mode, cafile, user, password = sys.argv[1:7]
    remote = sys.argv[7:] == ["remote"]
    ctx = ssl.create_default_context(cafile=cafile)
    out = {}
    if mode == "tls":
        c = poplib.POP3_SSL(host, int(port), context=ctx, timeout=30)
    else:
        c = poplib.POP3(host, int(port), timeout=30)
    out["welcome"] = c.getwelcome().decode()
    out["capa"] = c.capa()
    if remote:
        out["user_in_clear"] = err(c.user, user)
    if mode == "stls":
        out["stls"] = c.stls(ctx).decode()
        out["capa_tls"] = c.capa()

    # No timestamp in the greeting, so poplib itself declines APOP; the
    # server must refuse it too.
    out["apop_client"] = err(c.apop, user, password)
    digest = hashlib.md5(b"<1.2@x>" + password.encode()).hexdigest()
    out["apop_server"] = err(c._shortcmd, "APOP %s %s" % (user, digest))

    out["user"] = c.user(user).decode()
    out["pass"] = c.pass_(password).decode()
    out["capa_transaction"] = c.capa()
    count, size = c.stat()
    out["stat"] = [count, size]
    _, lines, _ = c.list()
    out["list"] = [l.decode() for l in lines]
    out["list_1"] = c.list(1).decode()
    _, lines, _ = c.uidl()
    out["uidl"] = [l.decode() for l in lines]
    out["uidl_2"] = c.uidl(2).decode()
    out["retr"] = []
    for i in range(1, count + 1):
        resp, lines, octets = c.retr(i)
        out["retr"].append({"resp": resp.decode(), "octets": octets, "body": b64(lines)})
    _, lines, _ = c.top(1, 0)
    out["top_1_0"] = b64(lines)
    _, lines, _ = c.top(2, 2)
    out["top_2_2"] = b64(lines)
    out["noop"] = c.noop().decode()
    out["dele_1"] = c.dele(1).decode()
    out["retr_deleted"] = err(c.retr, 1)
    out["stat_after_dele"] = list(c.stat())
    out["rset"] = c.rset().decode()
    out["stat_after_rset"] = list(c.stat())
    c.dele(1)
    c.dele(2)
    out["quit"] = c.quit().decode()
    json.dump(out, sys.stdout)


main()
