package wire

import (
	"reflect"
	"testing"

	"github.com/emersion/go-imap/v2"
)

func TestParseAuthenticate(t *testing.T) {
	for _, c := range []struct {
		args string
		want AuthenticateCommand
	}{
		{" plain", AuthenticateCommand{Mechanism: "PLAIN"}},
		{" PLAIN AGpvZQBwdw==", AuthenticateCommand{Mechanism: "PLAIN", InitialResponse: []byte("\x00joe\x00pw")}},
		{" PLAIN AGpvZQBwdw", AuthenticateCommand{Mechanism: "PLAIN", InitialResponse: []byte("\x00joe\x00pw")}},
		{" EXTERNAL =", AuthenticateCommand{Mechanism: "EXTERNAL", InitialResponse: []byte{}}},
		{" SCRAM-SHA-256 biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM",
			AuthenticateCommand{Mechanism: "SCRAM-SHA-256", InitialResponse: []byte("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL")}},
	} {
		got, err := decRun(t, c.args+"\r\n", ParseAuthenticate)
		if err != nil || !reflect.DeepEqual(*got, c.want) {
			t.Errorf("%q = %+v, %v", c.args, got, err)
		}
	}
	for _, args := range []string{"", " ", " PLAIN ", " PLAIN !!", " PLAIN a=b=", " PLAIN A", " PLAIN x y", " {5+}\r\nPLAIN"} {
		if _, err := decRun(t, args+"\r\n", ParseAuthenticate); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

func TestParseLogin(t *testing.T) {
	type up struct{ u, p string }
	login := func(d *Decoder) (up, error) {
		u, p, err := ParseLogin(d)
		return up{u, p}, err
	}
	for _, c := range []struct {
		args string
		want up
	}{
		{" joe@foo.com secret", up{"joe@foo.com", "secret"}},
		{" \"joe\" \"p w\\\"\\\\\"", up{"joe", `p w"\`}},
		{" {3}\r\njoe {4+}\r\n(){}", up{"joe", "(){}"}},
	} {
		got, err := decRun(t, c.args+"\r\n", login)
		if err != nil || got != c.want {
			t.Errorf("%q = %+v, %v", c.args, got, err)
		}
	}
	for _, args := range []string{"", " joe", " joe ", " joe a b", " (joe) pw", " joe NIL{"} {
		if _, err := decRun(t, args+"\r\n", login); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

func TestParseACL(t *testing.T) {
	for _, c := range []struct {
		args  string
		parse func(*Decoder) (*ACLCommand, error)
		want  ACLCommand
	}{
		{" INBOX joe lrswi", ParseSetACL, ACLCommand{Mailbox: "INBOX", Identifier: "joe", Rights: imap.RightSet("lrswi")}},
		{" inbox -joe +kx", ParseSetACL, ACLCommand{Mailbox: "INBOX", Identifier: "-joe",
			Modification: imap.RightModificationAdd, Rights: imap.RightSet("kx")}},
		{" shared anyone \"-wd\"", ParseSetACL, ACLCommand{Mailbox: "shared", Identifier: "anyone",
			Modification: imap.RightModificationRemove, Rights: imap.RightSet("wd")}},
		{" a b \"\"", ParseSetACL, ACLCommand{Mailbox: "a", Identifier: "b", Rights: imap.RightSet("")}},
		{" a \"joe smith\" lrswipkxteacd", ParseSetACL, ACLCommand{Mailbox: "a", Identifier: "joe smith",
			Rights: imap.RightSet("lrswipkxteacd")}},
		{" a joe", ParseDeleteACL, ACLCommand{Mailbox: "a", Identifier: "joe"}},
		{" a authenticated", ParseListRights, ACLCommand{Mailbox: "a", Identifier: "authenticated"}},
	} {
		got, err := decRun(t, c.args+"\r\n", c.parse)
		if err != nil || !reflect.DeepEqual(*got, c.want) {
			t.Errorf("%q = %+v, %v", c.args, got, err)
		}
	}
	for _, c := range []struct {
		args  string
		parse func(*Decoder) (*ACLCommand, error)
	}{
		{"", ParseSetACL}, {" a", ParseSetACL}, {" a joe", ParseSetACL}, {" a joe ", ParseSetACL},
		{" a joe lrZ", ParseSetACL}, {" a joe l r", ParseSetACL}, {" a joe +-l", ParseSetACL},
		{" a joe L", ParseSetACL}, {" a", ParseDeleteACL}, {" a joe x", ParseDeleteACL},
		{" a", ParseListRights}, {" a joe lr", ParseListRights},
	} {
		if _, err := decRun(t, c.args+"\r\n", c.parse); err == nil {
			t.Errorf("%q accepted", c.args)
		}
	}
}

func TestParseQuota(t *testing.T) {
	root, err := decRun(t, " \"\"\r\n", ParseQuotaRoot)
	if err != nil || root != "" {
		t.Errorf("GETQUOTA = %q, %v", root, err)
	}
	root, err = decRun(t, " user/joe\r\n", ParseQuotaRoot)
	if err != nil || root != "user/joe" {
		t.Errorf("GETQUOTA = %q, %v", root, err)
	}
	for _, c := range []struct {
		args string
		want SetQuotaCommand
	}{
		{" \"\" (STORAGE 512)", SetQuotaCommand{Root: "", Limits: map[imap.QuotaResourceType]int64{imap.QuotaResourceStorage: 512}}},
		{" user/joe (storage 1024 Message 100 X-FOO 9223372036854775807)", SetQuotaCommand{Root: "user/joe",
			Limits: map[imap.QuotaResourceType]int64{imap.QuotaResourceStorage: 1024, imap.QuotaResourceMessage: 100,
				"X-FOO": 9223372036854775807}}},
		{" r ()", SetQuotaCommand{Root: "r", Limits: map[imap.QuotaResourceType]int64{}}},
	} {
		got, err := decRun(t, c.args+"\r\n", ParseSetQuota)
		if err != nil || !reflect.DeepEqual(*got, c.want) {
			t.Errorf("%q = %+v, %v", c.args, got, err)
		}
	}
	for _, args := range []string{
		"", " r", " r ", " r (STORAGE)", " r (STORAGE x)", " r (STORAGE -1)", " r (STORAGE 1 STORAGE 2)",
		" r (STORAGE 9223372036854775808)", " r STORAGE 1", " r (STORAGE 1", " r (\"STORAGE\" 1)",
	} {
		if _, err := decRun(t, args+"\r\n", ParseSetQuota); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

func TestParseEnable(t *testing.T) {
	got, err := decRun(t, " condstore UTF8=ACCEPT imap4rev2 X-Foo\r\n", ParseEnable)
	want := []imap.Cap{imap.CapCondStore, imap.CapUTF8Accept, imap.CapIMAP4rev2, "X-FOO"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ENABLE = %q, %v", got, err)
	}
	for _, args := range []string{"", " ", " a ", " a  b", " (a)", " \"a\""} {
		if _, err := decRun(t, args+"\r\n", ParseEnable); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

func TestParseID(t *testing.T) {
	str := func(s string) *string { return &s }
	got, err := decRun(t, " NIL\r\n", ParseID)
	if err != nil || got != nil {
		t.Errorf("ID NIL = %+v, %v", got, err)
	}
	got, err = decRun(t, ` ("name" "Thunderbird" "version" "128.0" "os" NIL "vendor" {7}`+"\r\n"+`Mozilla)`+"\r\n", ParseID)
	want := []IDField{{"name", str("Thunderbird")}, {"version", str("128.0")}, {"os", nil}, {"vendor", str("Mozilla")}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ID = %+v, %v", got, err)
	}
	data := IDData(got)
	if data.Name != "Thunderbird" || data.Version != "128.0" || data.Vendor != "Mozilla" || data.OS != "" {
		t.Errorf("IDData = %+v", data)
	}
	got, err = decRun(t, " ()\r\n", ParseID)
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("ID () = %+v, %v", got, err)
	}
	for _, args := range []string{
		"", " ", " nil x", " (\"a\")", " (\"a\" \"b\" \"c\")", " (a \"b\")", " (\"a\" b)", " (\"a\" \"b\"", " NILL",
		" (NIL \"b\")",
	} {
		if _, err := decRun(t, args+"\r\n", ParseID); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
