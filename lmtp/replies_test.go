package lmtp

import (
	"errors"
	"fmt"
	"testing"

	"mstore/store"
)

// TestReplyTable: every store error kind has its LMTP reply, as DESIGN.md's
// table says.
func TestReplyTable(t *testing.T) {
	cases := []struct {
		kind     store.Kind
		perm     bool
		code     int
		enhanced string
	}{
		{store.KindNotFound, false, 550, "5.1.1"},
		{store.KindInvalid, false, 501, "5.1.3"},
		{store.KindNoPerm, false, 550, "5.7.1"},
		{store.KindOverQuota, false, 452, "4.2.2"},
		{store.KindOverQuota, true, 552, "5.2.2"},
		{store.KindTooBig, false, 552, "5.3.4"},
		{store.KindTooBig, true, 552, "5.3.4"},
		{store.KindInUse, false, 451, "4.2.0"},
		{store.KindTemporary, false, 451, "4.3.0"},
		{store.KindInternal, false, 451, "4.3.0"},
		// Kinds no delivery should meet: kept queued, not bounced.
		{store.KindExists, false, 451, "4.3.0"},
		{store.KindExpunged, false, 451, "4.3.0"},
		{store.KindNotPossible, false, 451, "4.3.0"},
	}
	for _, tc := range cases {
		err := fmt.Errorf("wrapped: %w", &store.Error{Kind: tc.kind, Msg: "secret detail", Err: errors.New("cause")})
		r := replyFor(err, tc.perm)
		got := fmt.Sprintf("%d.%d.%d", r.EnhancedCode[0], r.EnhancedCode[1], r.EnhancedCode[2])
		if r.Code != tc.code || got != tc.enhanced {
			t.Errorf("%v (permanent %v): %d %s, want %d %s", tc.kind, tc.perm, r.Code, got, tc.code, tc.enhanced)
		}
		if r.Message == "" || r.Message == "secret detail" {
			t.Errorf("%v: text %q is not the generic one", tc.kind, r.Message)
		}
		if r.Code/100 != r.EnhancedCode[0] {
			t.Errorf("%v: class of %d and %s differ", tc.kind, r.Code, got)
		}
	}
	if r := replyFor(errors.New("not a store error"), false); r.Code != 451 {
		t.Errorf("foreign error: %d", r.Code)
	}
}
