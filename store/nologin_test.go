package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The text of etc/nologin is its first non-empty line, fit for one
// protocol response line.
func TestNologin(t *testing.T) {
	for in, want := range map[string]string{
		"":                           "",
		"\n\n  \n":                   "",
		"Back soon\r\nmore":          "Back soon",
		"tab\there":                  "tab here",
		strings.Repeat("é", 150):     strings.Repeat("é", 100),
		"bad \xff byte":              "bad   byte",
		"  spaced out  \nsecond one": "spaced out",
	} {
		if got := nologinLine([]byte(in)); got != want {
			t.Errorf("nologinLine(%q) = %q, want %q", in, got, want)
		}
	}
	s, _ := testStore(t, true)
	if _, present, err := s.Nologin(); present || err != nil {
		t.Fatalf("without the file: present %v, %v", present, err)
	}
	if err := os.WriteFile(filepath.Join(s.Dir(), "etc", "nologin"), []byte("\nDown\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if text, present, err := s.Nologin(); !present || text != "Down" || err != nil {
		t.Errorf("with the file: %q, present %v, %v", text, present, err)
	}
}
