package store

import "testing"

func TestParseRights(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		err  bool
	}{
		{"lrswipkxtea", "lrswipkxtea", false},
		{"", "", false},
		{"rl", "lr", false},
		{"c", "k", false},   // RFC 2086 create
		{"d", "xte", false}, // RFC 2086 delete
		{"lrq", "", true},
		{"L", "", true},
		{"n", "", true},
	} {
		r, err := ParseRights(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParseRights(%q) error = %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if err != nil {
			if KindOf(err) != KindInvalid {
				t.Errorf("ParseRights(%q) kind = %v", tc.in, KindOf(err))
			}
			continue
		}
		if r.String() != tc.want {
			t.Errorf("ParseRights(%q) = %q, want %q", tc.in, r, tc.want)
		}
	}
}

func TestWithObsolete(t *testing.T) {
	if got := AllRights.WithObsolete(); got != "lrswipkxteacd" {
		t.Errorf("all rights = %q", got)
	}
	r, _ := ParseRights("lrxt")
	if got := r.WithObsolete(); got != "lrxt" {
		t.Errorf("partial delete group = %q, want no d", got)
	}
}

func TestEffectiveRights(t *testing.T) {
	r := func(s string) Rights {
		v, err := ParseRights(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	acl := ACL{
		{Identifier: "anyone", Rights: r("l")},
		{Identifier: "authenticated", Rights: r("lr")},
		{Identifier: "joe@foo.com", Rights: r("lrswi")},
		{Identifier: "joe@foo.com", Negative: true, Rights: r("w")},
		{Identifier: "group:staff", Rights: r("lrte")},
		{Identifier: "ann@foo.com", Negative: true, Rights: r("lr")},
		{Identifier: "zed@bar.com", Rights: r("lr")},
	}
	for _, tc := range []struct {
		name string
		id   identity
		want string
	}{
		{"anonymous gets anyone", identity{}, "l"},
		{"same-domain user gets anyone+authenticated", identity{user: "bob@foo.com", domain: "foo.com"}, "lr"},
		{"named user, negative w removed", identity{user: "joe@foo.com", domain: "foo.com"}, "lrsi"},
		{"group member", identity{user: "kim@foo.com", domain: "foo.com", groups: []string{"group:staff"}}, "lrte"},
		{"negative entry beats anyone and authenticated", identity{user: "ann@foo.com", domain: "foo.com"}, ""},
		{"other domain gets nothing from anyone", identity{user: "bob@bar.com", domain: "bar.com"}, ""},
		{"other domain named explicitly", identity{user: "zed@bar.com", domain: "bar.com"}, "lr"},
	} {
		if got := effectiveRights(acl, "foo.com", tc.id).String(); got != tc.want {
			t.Errorf("%s: rights = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCallerRights(t *testing.T) {
	mb := &mailboxRec{Domain: "foo.com", Owner: 7, ACL: ACL{{Identifier: "bob@foo.com", Rights: RightRead}}}
	owner := Caller{kind: callerUser, userID: 7, user: "joe@foo.com", domain: "foo.com"}
	if got := owner.rights(mb); got != ownerImplicit {
		t.Errorf("owner with no ACL entry keeps %q, want %q", got, ownerImplicit)
	}
	admin := Caller{kind: callerUser, userID: 9, user: "adm@foo.com", domain: "foo.com", adminOf: []string{"foo.com"}}
	if got := admin.rights(mb); got != AllRights {
		t.Errorf("domain admin = %q", got)
	}
	otherAdmin := Caller{kind: callerUser, userID: 10, user: "adm@bar.com", domain: "bar.com", adminOf: []string{"bar.com"}}
	if got := otherAdmin.rights(mb); got != 0 {
		t.Errorf("admin of another domain = %q, want none", got)
	}
	if got := System().rights(mb); got != AllRights {
		t.Errorf("system = %q", got)
	}
	bob := Caller{kind: callerUser, userID: 3, user: "bob@foo.com", domain: "foo.com"}
	if got := bob.rights(mb); got != RightRead {
		t.Errorf("bob = %q", got)
	}
}

func TestNormalizeIdentifier(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		neg, err bool
	}{
		{"joe", "joe@foo.com", false, false},
		{"-Joe", "joe@foo.com", true, false},
		{"ann@Bar.COM", "ann@bar.com", false, false},
		{"ANYONE", "anyone", false, false},
		{"-authenticated", "authenticated", true, false},
		{"group:Staff", "group:staff", false, false},
		{"", "", false, true},
		{"-", "", false, true},
		{"group:", "", false, true},
		{"joe@", "", false, true},
	} {
		got, neg, err := normalizeIdentifier(tc.in, "foo.com")
		if (err != nil) != tc.err || got != tc.want || neg != tc.neg {
			t.Errorf("normalizeIdentifier(%q) = %q, %v, %v; want %q, %v, error %v", tc.in, got, neg, err, tc.want, tc.neg, tc.err)
		}
	}
}
