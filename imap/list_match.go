package imap

import "strings"

// listPattern is one LIST or LSUB pattern with its reference applied: "*"
// matches any run of characters, "%" any run without the delimiter. The
// INBOX level of the caller's own tree matches without regard to case.
type listPattern string

// maxPatternLiterals bounds the non-wildcard bytes of a useful pattern: a
// pattern that needs more than the longest name a client can see matches
// nothing, and leaving it out keeps matching linear in the name.
const maxPatternLiterals = 8 << 10

// compileListPattern joins a reference and a pattern as RFC 3501 section
// 6.3.8 does (a pattern that starts with the delimiter stands alone) and
// folds runs of wildcards, which mean the same as their widest member. It
// returns false for a pattern that cannot match any name.
func compileListPattern(ref, pat string) (listPattern, bool) {
	full := pat
	if !strings.HasPrefix(pat, string(delim)) {
		full = ref + pat
	}
	var b strings.Builder
	literals := 0
	for i := 0; i < len(full); i++ {
		c := full[i]
		if c != '*' && c != '%' {
			b.WriteByte(c)
			literals++
			continue
		}
		// A run of wildcards is "*" if it holds one, else "%".
		j := i
		for j < len(full) && (full[j] == '*' || full[j] == '%') {
			if full[j] == '*' {
				c = '*'
			}
			j++
		}
		b.WriteByte(c)
		i = j - 1
	}
	if literals > maxPatternLiterals {
		return "", false
	}
	return listPattern(b.String()), true
}

// inboxFold is how many leading bytes of name compare without regard to
// case: the INBOX level of the caller's own tree.
func inboxFold(name string) int {
	if name == "INBOX" || strings.HasPrefix(name, "INBOX/") {
		return len("INBOX")
	}
	return 0
}

// run feeds name through the pattern, one state per pattern position (a
// Thompson simulation, so no pattern makes it backtrack). matched says
// the whole name matches; alive says some longer name beginning with it
// still could.
func (p listPattern) run(name string, fold int) (matched, alive bool) {
	pat := string(p)
	cur := make([]bool, len(pat)+1)
	next := make([]bool, len(pat)+1)
	cur[0] = true
	closeWildcards(pat, cur)
	for i := 0; i < len(name); i++ {
		c := name[i]
		clear(next)
		any := false
		for j := 0; j < len(pat); j++ {
			if !cur[j] {
				continue
			}
			switch pc := pat[j]; {
			case pc == '*':
				next[j], any = true, true
			case pc == '%':
				if c != delim {
					next[j], any = true, true
				}
			case pc == c || (i < fold && asciiLower(pc) == asciiLower(c)):
				next[j+1], any = true, true
			}
		}
		if !any {
			return false, false
		}
		closeWildcards(pat, next)
		cur, next = next, cur
	}
	return cur[len(pat)], true
}

// closeWildcards adds the states reached by letting a wildcard match
// nothing.
func closeWildcards(pat string, st []bool) {
	for j := 0; j < len(pat); j++ {
		if st[j] && (pat[j] == '*' || pat[j] == '%') {
			st[j+1] = true
		}
	}
}

func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// listMatcher holds the patterns of one command.
type listMatcher []listPattern

func (m listMatcher) match(name string) bool {
	fold := inboxFold(name)
	for _, p := range m {
		if ok, _ := p.run(name, fold); ok {
			return true
		}
	}
	return false
}

// reaches reports whether some name beginning with prefix could match,
// so that a LIST whose patterns stay in the personal namespace does not
// look at anyone else's mailboxes.
func (m listMatcher) reaches(prefix string) bool {
	for _, p := range m {
		if _, alive := p.run(prefix, 0); alive {
			return true
		}
	}
	return false
}
