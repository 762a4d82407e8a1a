#!/bin/bash
# Issue 3's LMTP comparison: mstore and Debian's Dovecot
# (../shared/anchors/dovecot-up.sh, Maildir, its default fsync) on one
# machine in one run, each run to a fresh user, ROUNDS rounds alternating
# which server goes first. Prints one line per run.
#
#   tools/bench/lmtp-vs-dovecot.sh [ROUNDS] [MESSAGES]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}
N=${2:-2000}
ANCHORS=${ANCHORS:-../shared/anchors}
work=$(mktemp -d "${BENCH_DIR:-/tmp}/lmtpbench.XXXX")
chmod 755 "$work" # Dovecot's auth process and mstore's account work under it
tools/make-account.sh
go build -o "$work/mstore" ./cmd/mstore
go build -o "$work/mailbench" ./tools/mailbench

USERS=60 IMAP_PORT=30143 POP3_PORT=30110 LMTP_PORT=30024 RESET=1 "$ANCHORS/dovecot-up.sh" "$work/dovecot" >/dev/null
trap '"$ANCHORS/dovecot-down.sh" "$work/dovecot" >/dev/null 2>&1 || true; kill $mpid 2>/dev/null || true' EXIT

"$work/mstore" serve --store "$work/store" --imap "" --pop3 "" --lmtp 127.0.0.1:32424 --web "" --mount "" 2>"$work/mstore.log" &
mpid=$!
until grep -q 'mstore: ready' "$work/mstore.log"; do sleep 0.1; done
"$work/mstore" --store "$work/store" domain add example.com
for i in $(seq 1 60); do "$work/mstore" --store "$work/store" user add "user$i@example.com"; done

declare -A addr=([mstore]=127.0.0.1:32424 [dovecot]=127.0.0.1:30024)
u=0
for r in $(seq 1 "$ROUNDS"); do
  order="mstore dovecot"
  [ $((r % 2)) = 0 ] && order="dovecot mstore"
  for c in 1 4 16; do
    for s in $order; do
      u=$((u % 60 + 1))
      out=$("$work/mailbench" lmtp --addr "${addr[$s]}" --rcpt "user$u@example.com" --conns $c --messages "$N" --size 4096)
      echo "round $r conns $c $s $(echo "$out" | grep -E '^deliveries' ) $(echo "$out" | grep -E '^latency' | awk '{print "p50", $3}') load $(cut -d' ' -f1 /proc/loadavg)"
    done
  done
done
