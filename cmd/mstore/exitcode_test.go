package main

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"mstore/store"
)

func TestExitCodeTable(t *testing.T) {
	want := map[store.Kind]int{
		store.KindInternal:    1,
		store.KindNotFound:    3,
		store.KindExists:      4,
		store.KindNoPerm:      5,
		store.KindOverQuota:   6,
		store.KindTooBig:      9,
		store.KindExpunged:    3,
		store.KindInUse:       7,
		store.KindInvalid:     8,
		store.KindNotPossible: 8,
		store.KindTemporary:   10,
	}
	// Every kind the store has is in the table.
	for k := store.KindInternal; k <= store.KindTemporary; k++ {
		if _, ok := kindExit[k]; !ok {
			t.Errorf("kind %v has no exit code", k)
		}
	}
	for k, code := range want {
		err := fmt.Errorf("wrapped: %w", &store.Error{Kind: k, Msg: "x"})
		if got := exitCode(err); got != code {
			t.Errorf("exitCode(%v) = %d, want %d", k, got, code)
		}
	}
	others := []struct {
		err  error
		code int
	}{
		{nil, 0},
		{errors.New("plain"), 1},
		{usageErr("u"), 2},
		{invalidErr("i"), 8},
		{&dialError{err: &cliError{code: exitNoPerm, msg: "p"}}, 5},
		{&store.Error{Kind: store.KindOverQuota, Err: &store.OverQuotaError{Root: "foo.com", Resource: "MESSAGE", Limit: 1}}, 6},
	}
	for _, o := range others {
		if got := exitCode(o.err); got != o.code {
			t.Errorf("exitCode(%v) = %d, want %d", o.err, got, o.code)
		}
	}
}

func TestFinishFormat(t *testing.T) {
	var b bytes.Buffer
	if code := finish(&b, &store.Error{Kind: store.KindNotFound, Msg: "domain x.com does not exist"}); code != 3 {
		t.Errorf("code %d", code)
	}
	if b.String() != "mstore: domain x.com does not exist\n" {
		t.Errorf("stderr %q", b.String())
	}
	b.Reset()
	if code := finish(&b, nil); code != 0 || b.Len() != 0 {
		t.Errorf("finish(nil) = %d, %q", code, b.String())
	}
}
