package pop3

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"mstore/store"
)

func TestErrReplyTable(t *testing.T) {
	for _, tc := range []struct {
		kind  store.Kind
		code  string // response code, "" for none
		fault bool
	}{
		{store.KindNoPerm, "[AUTH]", false},
		{store.KindInUse, "[IN-USE]", false},
		{store.KindTemporary, "[SYS/TEMP]", true},
		{store.KindInternal, "[SYS/TEMP]", true},
		{store.KindNotFound, "", false},
		{store.KindExpunged, "", false},
		{store.KindOverQuota, "", false},
		{store.KindTooBig, "", false},
		{store.KindExists, "", false},
		{store.KindInvalid, "", false},
		{store.KindNotPossible, "", false},
	} {
		cause := &store.Error{Kind: tc.kind, Msg: "mailbox foo.com/users/joe/INBOX", Err: errors.New("secret cause")}
		for _, err := range []error{cause, fmt.Errorf("wrapped: %w", cause)} {
			line, fault := errReply(err)
			if !strings.HasPrefix(line, "-ERR ") {
				t.Errorf("%v: %q is not an -ERR", tc.kind, line)
			}
			rest := strings.TrimPrefix(line, "-ERR ")
			if tc.code != "" && !strings.HasPrefix(rest, tc.code+" ") {
				t.Errorf("%v: %q lacks %s", tc.kind, line, tc.code)
			}
			if tc.code == "" && strings.HasPrefix(rest, "[") {
				t.Errorf("%v: %q has a response code", tc.kind, line)
			}
			if fault != tc.fault {
				t.Errorf("%v: server fault %v, want %v", tc.kind, fault, tc.fault)
			}
			// Generic text only: nothing of the cause or the object.
			if strings.Contains(line, "secret") || strings.Contains(line, "joe") {
				t.Errorf("%v: %q leaks the cause", tc.kind, line)
			}
		}
	}
	// Every kind the store defines has its own entry.
	for k := store.KindInternal; k <= store.KindTemporary; k++ {
		if _, ok := kindReplies[k]; !ok {
			t.Errorf("kind %v has no entry in kindReplies", k)
		}
	}
	// An error that is not the store's is an internal one.
	if line, fault := errReply(errors.New("disk on fire")); !strings.HasPrefix(line, "-ERR [SYS/TEMP] ") || !fault {
		t.Errorf("plain error: %q, fault %v", line, fault)
	}
}
