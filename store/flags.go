package store

import (
	"strings"
)

// IMAP flags: the five system flags, kept as bits, and keywords, kept as
// strings. Keywords compare without regard to case; a mailbox remembers
// the spelling it first saw.

const (
	FlagSeen     = `\Seen`
	FlagAnswered = `\Answered`
	FlagFlagged  = `\Flagged`
	FlagDeleted  = `\Deleted`
	FlagDraft    = `\Draft`
	FlagRecent   = `\Recent`
)

var systemFlags = []struct {
	bit  sysFlags
	name string
}{
	{flagSeen, FlagSeen}, {flagAnswered, FlagAnswered}, {flagFlagged, FlagFlagged},
	{flagDeleted, FlagDeleted}, {flagDraft, FlagDraft},
}

// parseFlags splits flag names into system flag bits and keywords. \Recent
// is ignored (no client may set it); other backslash names are refused.
func parseFlags(flags []string) (sysFlags, []string, error) {
	var bits sysFlags
	var kw []string
	for _, f := range flags {
		if strings.HasPrefix(f, `\`) {
			found := false
			for _, sf := range systemFlags {
				if strings.EqualFold(f, sf.name) {
					bits |= sf.bit
					found = true
				}
			}
			if !found && !strings.EqualFold(f, FlagRecent) {
				return 0, nil, errorf(KindInvalid, "flag %q: not a system flag", f)
			}
			continue
		}
		if err := checkKeyword(f); err != nil {
			return 0, nil, err
		}
		kw = mergeKeywords(kw, []string{f})
	}
	return bits, kw, nil
}

// checkKeyword accepts an IMAP atom.
func checkKeyword(k string) error {
	if k == "" || len(k) > 255 {
		return errorf(KindInvalid, "keyword %q: empty or longer than 255 bytes", k)
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`(){%*"\]`, c) >= 0 {
			return errorf(KindInvalid, "keyword %q: character %q is not allowed", k, c)
		}
	}
	return nil
}

// mergeKeywords adds the keywords of add missing from have (by case-folded
// comparison) and returns the result, leaving have untouched when nothing
// is new.
func mergeKeywords(have, add []string) []string {
	out := have
	for _, k := range add {
		if !hasKeyword(out, k) {
			if len(out) == len(have) {
				out = append(have[:len(have):len(have)], k)
			} else {
				out = append(out, k)
			}
		}
	}
	return out
}

func hasKeyword(list []string, k string) bool {
	for _, x := range list {
		if strings.EqualFold(x, k) {
			return true
		}
	}
	return false
}

// spellKeywords gives keywords the mailbox's spelling.
func spellKeywords(mbKeywords, kw []string) []string {
	for i, k := range kw {
		for _, m := range mbKeywords {
			if strings.EqualFold(m, k) {
				kw[i] = m
				break
			}
		}
	}
	return kw
}

func removeKeywords(have, del []string) []string {
	var out []string
	for _, k := range have {
		if !hasKeyword(del, k) {
			out = append(out, k)
		}
	}
	return out
}

func flagStrings(bits sysFlags, kw []string) []string {
	out := make([]string, 0, 2+len(kw))
	for _, sf := range systemFlags {
		if bits&sf.bit != 0 {
			out = append(out, sf.name)
		}
	}
	return append(out, kw...)
}

// allowedFlags drops the flags the caller may not set in the mailbox (s for
// \Seen, t for \Deleted, w for the rest, RFC 4314 section 4), and moves
// \Seen out of the shared bits for a reader who keeps their own.
func allowedFlags(c Caller, mb *mailboxRec, bits sysFlags, kw []string) (sysFlags, []string, bool) {
	r := c.rights(mb)
	if !r.Has(RightSeen) {
		bits &^= flagSeen
	}
	if !r.Has(RightDeleteMsg) {
		bits &^= flagDeleted
	}
	if !r.Has(RightWrite) {
		bits &= flagSeen | flagDeleted
		kw = nil
	}
	privSeen := false
	if bits&flagSeen != 0 && privateSeen(c, mb) {
		bits &^= flagSeen
		privSeen = true
	}
	return bits, kw, privSeen
}
