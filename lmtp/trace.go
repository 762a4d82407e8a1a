package lmtp

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"
)

// traceFields returns the fields this hop puts above the message (RFC 5321
// section 4.4): Return-Path from MAIL FROM, and a Received field naming the
// client, this server and the transaction. The recipient is named only
// when there is one, so that recipients of one copy do not learn of each
// other.
func traceFields(from, helo, remote, host, id string, rcpts []string, now time.Time) []byte {
	var b strings.Builder
	b.WriteString("Return-Path: <")
	b.WriteString(clean(from))
	b.WriteString(">\r\nReceived: from ")
	b.WriteString(clean(helo))
	b.WriteString(" (")
	b.WriteString(remote)
	b.WriteString(")\r\n\tby ")
	b.WriteString(clean(host))
	b.WriteString(" (mstore) with LMTP id ")
	b.WriteString(id)
	if len(rcpts) == 1 {
		b.WriteString("\r\n\tfor <")
		b.WriteString(clean(rcpts[0]))
		b.WriteString(">")
	}
	b.WriteString(";\r\n\t")
	b.WriteString(now.Format(time.RFC1123Z))
	b.WriteString("\r\n")
	return []byte(b.String())
}

// maxWord bounds each client word in the fields (RFC 5321 allows 255
// octets for a domain, 256 for a path), so that the fields stay small.
const maxWord = 256

// clean keeps a client's word from breaking the header it is written into:
// control characters and spaces become "?", and a word too long is cut.
// Commands arrive one line each, so only a lone CR or a tab could get this
// far.
func clean(s string) string {
	if len(s) > maxWord {
		s = strings.ToValidUTF8(s[:maxWord], "")
	}
	if !strings.ContainsFunc(s, isCtl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isCtl(r) {
			return '?'
		}
		return r
	}, s)
}

func isCtl(r rune) bool { return r <= ' ' || r == 0x7f }

var idEncoding = base32.NewEncoding("0123456789abcdefghijklmnopqrstuv").WithPadding(base32.NoPadding)

// newID names one transaction in its Received field, its replies and the
// log.
func newID() string {
	var b [10]byte
	rand.Read(b[:])
	return idEncoding.EncodeToString(b[:])
}
