package store

import (
	"strings"
	"testing"
)

func TestParsePath(t *testing.T) {
	long := strings.Repeat("a", 256)
	for _, tc := range []struct {
		in     string
		domain string
		name   string
		err    bool
	}{
		{"foo.com/users/joe/INBOX", "foo.com", "user/joe/INBOX", false},
		{"Foo.COM/users/joe/inbox", "foo.com", "user/joe/INBOX", false},
		{"foo.com/users/joe/inbox/sub", "foo.com", "user/joe/INBOX/sub", false},
		{"foo.com/users/joe/sentmail/2000", "foo.com", "user/joe/sentmail/2000", false},
		{"foo.com/shared/staff", "foo.com", "shared/staff", false},
		{"foo.com/users/joe/Ünïcode ✓", "foo.com", "user/joe/Ünïcode ✓", false},
		{"foo.com/users/joe", "", "", true},         // a user's tree is not a mailbox
		{"foo.com/users/joe//x", "", "", true},      // empty level
		{"foo.com/users/joe/x/", "", "", true},      // trailing empty level
		{"/foo.com/users/joe/x", "", "", true},      // leading /
		{"foo.com/users/joe/../x", "", "", true},    // ..
		{"foo.com/users/joe/a\x01b", "", "", true},  // control character
		{"foo.com/users/joe/a\x7fb", "", "", true},  // DEL
		{"foo.com/users/joe/" + long, "", "", true}, // level over 255 bytes
		{"foo.com/users/joe/a*", "", "", true},      // wildcard
		{"foo.com/other/x", "", "", true},
		{"foo.com", "", "", true},
		{"foo..com/shared/x", "", "", true},
		{"foo.com/shared/\xff", "", "", true}, // invalid UTF-8
	} {
		n, err := ParsePath(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParsePath(%q) error = %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if err != nil {
			if KindOf(err) != KindInvalid {
				t.Errorf("ParsePath(%q) kind %v, want invalid", tc.in, KindOf(err))
			}
			continue
		}
		if n.Domain != tc.domain || n.Name != tc.name {
			t.Errorf("ParsePath(%q) = %q %q, want %q %q", tc.in, n.Domain, n.Name, tc.domain, tc.name)
		}
		if back, _ := ParsePath(n.Path()); back != n {
			t.Errorf("Path() of %q does not parse back: %q", tc.in, n.Path())
		}
	}
}

func TestParseQuotaRoot(t *testing.T) {
	for _, tc := range []struct {
		in, domain, name string
		err              bool
	}{
		{"foo.com", "foo.com", "", false},
		{"foo.com/users/joe", "foo.com", "user/joe", false},
		{"foo.com/shared/staff", "foo.com", "shared/staff", false},
		{"foo.com/users", "", "", true},
		{"foo.com/nope/x", "", "", true},
		{"bad domain", "", "", true},
	} {
		d, n, err := ParseQuotaRoot(tc.in)
		if (err != nil) != tc.err || d != tc.domain || n != tc.name {
			t.Errorf("ParseQuotaRoot(%q) = %q %q %v", tc.in, d, n, err)
		}
	}
}

func TestNormalizeUser(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      bool
	}{
		{"Joe@Foo.com", "joe@foo.com", false},
		{"joe", "", true},
		{"@foo.com", "", true},
		{"jo/e@foo.com", "", true},
		{"joe@foo_com", "", true},
		{"a b@foo.com", "", true},
	} {
		got, _, _, err := normalizeUser(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("normalizeUser(%q) = %q, %v", tc.in, got, err)
		}
	}
}

func TestMatchPattern(t *testing.T) {
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"*", "user/joe/a/b", true},
		{"user/joe/%", "user/joe/a", true},
		{"user/joe/%", "user/joe/a/b", false},
		{"user/joe/*", "user/joe/a/b", true},
		{"user/%/INBOX", "user/joe/INBOX", true},
		{"user/j*X", "user/joe/INBOX", true},
		{"user/joe/a", "user/joe/ab", false},
		{"%", "", true},
	} {
		if got := MatchPattern(tc.pattern, tc.name); got != tc.want {
			t.Errorf("MatchPattern(%q, %q) = %v", tc.pattern, tc.name, got)
		}
	}
}
