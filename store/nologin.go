package store

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Nologin reports whether etc/nologin is present, which keeps mail clients
// from logging in, with the first non-empty line of the file made safe for
// one protocol response line ("" when the file has none). An error other
// than the file's absence is returned for the log; logins go on then.
func (s *Store) Nologin() (text string, present bool, err error) {
	b, err := os.ReadFile(filepath.Join(s.dir, "etc", "nologin"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return nologinLine(b), true, nil
}

// nologinLine is the first non-empty line of a nologin file, without
// control characters or invalid UTF-8, cut to 200 octets.
func nologinLine(b []byte) string {
	var text string
	for l := range strings.SplitSeq(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			text = l
			break
		}
	}
	text = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return ' '
		}
		return r
	}, text)
	if len(text) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	return text
}
