#!/usr/bin/env python3
"""Drive mstore's LMTP server with the standard library's smtplib.LMTP.

usage: lmtp_client.py TARGET   (host:port, or the path of a UNIX socket)

Prints one JSON object with every reply the server gave, for the Go test
to check.
"""
import json
import smtplib
import sys

target = sys.argv[1]
if target.startswith("/"):
    host, port = target, 0
else:
    host, port = target.rsplit(":", 1)
    port = int(port)

out = {}
msg = b"From: sender@example.net\r\nSubject: smtplib\r\n\r\nsent by smtplib.LMTP\r\n"

# One transaction, one reply at a time: one good, one unknown and one
# over-quota recipient.
with smtplib.LMTP(host, port, local_hostname="python.test", timeout=20) as c:
    code, _ = c.ehlo()
    out["lhlo"] = code
    out["features"] = sorted(c.esmtp_features)
    out["mail"] = c.mail("sender@example.net")[0]
    out["rcpt"] = [c.rcpt(r)[0] for r in ("joe@foo.com", "nobody@foo.com", "full@foo.com")]
    code, text = c.data(msg)
    out["data"] = [code, text.decode()]

    # Two accepted recipients: one reply each after the data.
    c.mail("sender@example.net")
    c.rcpt("joe@foo.com")
    c.rcpt("ann@foo.com")
    code, text = c.data(msg)
    replies = [[code, text.decode()]]
    code, text = c.getreply()
    replies.append([code, text.decode()])
    out["data2"] = replies

    # The high-level call reports refused recipients by address.
    refused = c.sendmail("sender@example.net", ["joe@foo.com", "nobody@foo.com", "full@foo.com"], msg)
    out["sendmail_refused"] = {k: v[0] for k, v in refused.items()}

print(json.dumps(out))
