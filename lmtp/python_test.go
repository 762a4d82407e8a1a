package lmtp

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"mstore/tools/testenv"
)

// TestPythonLMTP drives the server with Python's smtplib.LMTP, over TCP and
// over the UNIX socket: one good, one unknown and one over-quota recipient
// get exactly 250, 550 and 452, and only the good one gets the message.
func TestPythonLMTP(t *testing.T) {
	python := testenv.Program(t, "python3", "python3")
	for _, transport := range []string{"tcp", "unix"} {
		t.Run(transport, func(t *testing.T) {
			e := newEnv(t)
			target := e.tcp
			if transport == "unix" {
				target = e.sock
			}
			cmd := exec.Command(python, "testdata/lmtp_client.py", target)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("smtplib client: %v\n%s", err, stderr.String())
			}
			var got struct {
				LHLO     int
				Features []string
				Mail     int
				Rcpt     []int
				Data     []any
				Data2    [][]any
				Refused  map[string]int `json:"sendmail_refused"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got.LHLO != 250 || got.Mail != 250 {
				t.Errorf("LHLO %d, MAIL %d", got.LHLO, got.Mail)
			}
			if len(got.Rcpt) != 3 || got.Rcpt[0] != 250 || got.Rcpt[1] != 550 || got.Rcpt[2] != 452 {
				t.Errorf("RCPT replies %v, want [250 550 452]", got.Rcpt)
			}
			if got.Data[0].(float64) != 250 || !strings.Contains(got.Data[1].(string), "Saved") {
				t.Errorf("DATA reply %v", got.Data)
			}
			if len(got.Data2) != 2 || got.Data2[0][0].(float64) != 250 || got.Data2[1][0].(float64) != 250 ||
				!strings.Contains(got.Data2[0][1].(string), "<joe@foo.com>") || !strings.Contains(got.Data2[1][1].(string), "<ann@foo.com>") {
				t.Errorf("replies for two recipients: %v", got.Data2)
			}
			if len(got.Refused) != 2 || got.Refused["nobody@foo.com"] != 550 || got.Refused["full@foo.com"] != 452 {
				t.Errorf("sendmail refused %v", got.Refused)
			}
			for _, f := range []string{"pipelining", "enhancedstatuscodes", "8bitmime", "size", "chunking"} {
				found := false
				for _, g := range got.Features {
					found = found || g == f
				}
				if !found {
					t.Errorf("features %v lack %s", got.Features, f)
				}
			}

			if n := e.count(mbox("joe", "INBOX")); n != 3 {
				t.Errorf("joe has %d messages, want 3", n)
			}
			if n := e.count(mbox("ann", "INBOX")); n != 1 {
				t.Errorf("ann has %d messages, want 1", n)
			}
			if n := e.count(mbox("full", "INBOX")); n != 0 {
				t.Errorf("full has %d messages, want 0", n)
			}
			for _, m := range e.messages(mbox("joe", "INBOX")) {
				rp, rcv, body := splitTrace(t, m)
				if rp != "Return-Path: <sender@example.net>" || !strings.Contains(rcv, "from python.test") ||
					!bytes.HasSuffix(body, []byte("sent by smtplib.LMTP\r\n")) {
					t.Errorf("stored %q", m)
				}
			}
		})
	}
}
