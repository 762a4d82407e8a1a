package web

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"mstore/store"
)

func TestKindAnswers(t *testing.T) {
	for k := store.KindInternal; k <= store.KindTemporary; k++ {
		if _, ok := kindAnswers[k]; !ok {
			t.Errorf("kind %v has no answer", k)
		}
	}
	for _, tc := range []struct {
		err    error
		status int
		msg    string
		fault  bool
	}{
		{&store.Error{Kind: store.KindNoPerm, Msg: "ann@foo.com does not administer bar.com"}, http.StatusForbidden,
			"Permission denied: ann@foo.com does not administer bar.com.", false},
		{&store.Error{Kind: store.KindNotFound, Msg: "no mailbox foo.com/x"}, http.StatusNotFound, "Not found: no mailbox foo.com/x.", false},
		{&store.Error{Kind: store.KindInvalid, Msg: "bad name"}, http.StatusBadRequest, "Invalid input: bad name.", false},
		{&store.Error{Kind: store.KindNotPossible}, http.StatusBadRequest, "Not possible.", false},
		{&store.Error{Kind: store.KindExists, Msg: "domain foo.com exists"}, http.StatusConflict, "Already exists: domain foo.com exists.", false},
		{&store.Error{Kind: store.KindInUse, Msg: "busy"}, http.StatusConflict, "Still in use: busy.", false},
		// The details of the server's own failures stay in the log.
		{&store.Error{Kind: store.KindInternal, Msg: "bucket users is damaged", Err: errors.New("page 12")}, http.StatusInternalServerError,
			"Internal error; the cause is in the server's log.", true},
		{&store.Error{Kind: store.KindTemporary, Msg: "disk /srv full"}, http.StatusServiceUnavailable, "Temporarily unavailable, try again.", true},
		{errors.New("open /srv/x: no such file"), http.StatusInternalServerError, "Internal error; the cause is in the server's log.", true},
	} {
		status, msg, fault := describe(tc.err)
		if status != tc.status || msg != tc.msg || fault != tc.fault {
			t.Errorf("describe(%v) = %d %q %v, want %d %q %v", tc.err, status, msg, fault, tc.status, tc.msg, tc.fault)
		}
		if strings.Contains(msg, "/srv") || strings.Contains(msg, "page 12") {
			t.Errorf("describe(%v) shows the cause: %q", tc.err, msg)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "/domains",
		"/quotas":               "/quotas",
		"/mailbox?path=a%2Fb":   "/mailbox?path=a%2Fb",
		"//evil.example":        "/domains",
		"/\\evil.example":       "/domains",
		"https://evil.example/": "/domains",
		"/login?next=/x":        "/domains",
		"/logout":               "/domains",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
