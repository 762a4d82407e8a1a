#!/bin/bash
# Issue 4's IMAP comparison: the same 10,000-message mailbox in mstore and in
# Debian's Dovecot (../shared/anchors/dovecot-up.sh, Maildir), timed in one
# run with tools/mailbench imap. Prints one report per operation and server.
#
#   tools/bench/imap-vs-dovecot.sh [MESSAGES] [IDLE_CONNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000}
IDLE=${2:-1000}
ANCHORS=${ANCHORS:-../shared/anchors}
work=$(mktemp -d /tmp/imapbench.XXXX)
chmod 755 "$work" # Dovecot's auth process and mstore's account work under it
tools/make-account.sh
go build -o "$work/mstore" ./cmd/mstore
go build -o "$work/mailbench" ./tools/mailbench
mb="$work/mailbench"

# Dovecot on its own ports, so that it does not disturb another anchor.
USERS=100 IMAP_PORT=30143 POP3_PORT=30110 LMTP_PORT=30024 RESET=1 "$ANCHORS/dovecot-up.sh" "$work/dovecot" >/dev/null
trap '"$ANCHORS/dovecot-down.sh" "$work/dovecot" >/dev/null 2>&1 || true; kill $mpid 2>/dev/null || true' EXIT

"$work/mstore" serve --store "$work/store" --imap 127.0.0.1:31143 --pop3 "" --lmtp "" --web "" --mount "" 2>"$work/mstore.log" &
mpid=$!
until grep -q 'mstore: ready' "$work/mstore.log"; do sleep 0.1; done
"$work/mstore" --store "$work/store" domain add example.com
for i in $(seq 1 100); do
  echo pass | "$work/mstore" --store "$work/store" user add "user$i@example.com" --password-stdin
done

declare -A addr=([mstore]=127.0.0.1:31143 [dovecot]=127.0.0.1:30143)
declare -A proc=([mstore]=mstore [dovecot]=imap)
for s in mstore dovecot; do
  echo "== fill $s"
  $mb imap --addr "${addr[$s]}" --user user1@example.com --op fill --messages "$N" --size 4096 | grep -E '^(messages|errors)'
done
for op in select fetch-envelope fetch-bodies search-body store; do
  for s in mstore dovecot; do
    echo "== $op $s"
    $mb imap --addr "${addr[$s]}" --user user1@example.com --op $op --repeat 7 | grep -E '^(runs|latency|errors)'
  done
done
# The mix spreads 16 connections over 16 users of 500 messages each (Dovecot
# allows 10 connections per user and address).
for s in mstore dovecot; do
  for i in $(seq 2 16); do
    $mb imap --addr "${addr[$s]}" --user "user$i@example.com" --op fill --messages 500 --size 4096 >/dev/null
  done
  echo "== mix 16 $s"
  $mb imap --addr "${addr[$s]}" --user 'user%d@example.com' --users 16 --op mix --conns 16 --duration 20s | grep -E '^(operations|latency|errors)'
done
for s in mstore dovecot; do
  echo "== idle $IDLE $s"
  $mb imap --addr "${addr[$s]}" --user 'user%d@example.com' --users 100 --op idle --conns "$IDLE" --duration 10s --proc "${proc[$s]}" | grep -E '^(connections|rss|bytes_per|errors)'
done
