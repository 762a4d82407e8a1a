package lmtp

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestTraceClean(t *testing.T) {
	got := string(traceFields("a\rb@x", "he\tlo", "local", "h", "id1", []string{"j@f"}, time.Unix(0, 0).UTC()))
	want := "Return-Path: <a?b@x>\r\nReceived: from he?lo (local)\r\n\tby h (mstore) with LMTP id id1\r\n\tfor <j@f>;\r\n\tThu, 01 Jan 1970 00:00:00 +0000\r\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestTraceLongWords(t *testing.T) {
	long := strings.Repeat("é", 200) // 400 octets
	got := clean(long)
	if len(got) > maxWord || !utf8.ValidString(got) || !strings.HasPrefix(long, got) {
		t.Errorf("clean cut %d octets to %d: %q", len(long), len(got), got)
	}
}
