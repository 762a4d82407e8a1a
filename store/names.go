package store

import (
	"strings"
	"unicode/utf8"
)

// Names inside the store.
//
// A mailbox is named by its domain and a canonical name: "user/joe/INBOX",
// "user/joe/sentmail/2000", "shared/staff". The mount and the command line
// show the same mailbox as a path: "foo.com/users/joe/INBOX",
// "foo.com/shared/staff". Quota roots use the same forms without a mailbox
// ("user/joe", or "" for the whole domain).

const (
	// Delimiter separates the levels of a mailbox name, everywhere.
	Delimiter = "/"

	maxLevelBytes  = 255
	maxNameBytes   = 4096
	maxDomainBytes = 253
	maxLocalBytes  = 128
	inboxName      = "INBOX"
	userPrefix     = "user/"
	sharedPrefix   = "shared/"
)

// MailboxName is a mailbox's full name: its domain and canonical name.
type MailboxName struct {
	Domain string // "foo.com"
	Name   string // "user/joe/INBOX" or "shared/staff"
}

// Path is the name as the mount and the command line show it.
func (n MailboxName) Path() string { return canonicalToPath(n.Domain, n.Name) }

func (n MailboxName) String() string { return n.Path() }

func canonicalToPath(domain, name string) string {
	switch {
	case name == "":
		return domain
	case name == "user" || strings.HasPrefix(name, userPrefix):
		return domain + "/users" + strings.TrimPrefix(name, "user")
	default:
		return domain + "/" + name
	}
}

// ParsePath turns "foo.com/users/joe/INBOX" or "foo.com/shared/staff" into a
// MailboxName, checking every level.
func ParsePath(path string) (MailboxName, error) {
	domain, rest, ok := strings.Cut(path, "/")
	if !ok || rest == "" {
		return MailboxName{}, errorf(KindInvalid, "mailbox path %q: want DOMAIN/users/USER/MAILBOX or DOMAIN/shared/FOLDER", path)
	}
	d, err := normalizeDomain(domain)
	if err != nil {
		return MailboxName{}, err
	}
	var name string
	switch {
	case strings.HasPrefix(rest, "users/"):
		name = "user/" + strings.TrimPrefix(rest, "users/")
	case strings.HasPrefix(rest, sharedPrefix):
		name = rest
	default:
		return MailboxName{}, errorf(KindInvalid, "mailbox path %q: the level after the domain must be \"users\" or \"shared\"", path)
	}
	name, err = checkMailboxName(name)
	if err != nil {
		return MailboxName{}, err
	}
	return MailboxName{Domain: d, Name: name}, nil
}

// ParseQuotaRoot turns "foo.com", "foo.com/users/joe" or "foo.com/shared/x"
// into a domain and a canonical root name ("" for the domain itself).
func ParseQuotaRoot(root string) (domain, name string, err error) {
	if !strings.Contains(root, "/") {
		d, err := normalizeDomain(root)
		return d, "", err
	}
	d, rest, _ := strings.Cut(root, "/")
	if d, err = normalizeDomain(d); err != nil {
		return "", "", err
	}
	switch {
	case strings.HasPrefix(rest, "users/"):
		name = "user/" + strings.TrimPrefix(rest, "users/")
	case strings.HasPrefix(rest, sharedPrefix):
		name = rest
	default:
		return "", "", errorf(KindInvalid, "quota root %q: want DOMAIN, DOMAIN/users/USER or DOMAIN/shared/FOLDER", root)
	}
	if _, err := checkLevels(name); err != nil {
		return "", "", wrapErr(KindInvalid, err, "quota root %q", root)
	}
	if strings.Count(name, "/") < 1 {
		return "", "", errorf(KindInvalid, "quota root %q: names no user or folder", root)
	}
	return d, name, nil
}

// checkMailboxName validates a canonical name and returns it with the
// personal INBOX spelled "INBOX" whatever case the caller used.
func checkMailboxName(name string) (string, error) {
	levels, err := checkLevels(name)
	if err != nil {
		return "", err
	}
	switch levels[0] {
	case "user":
		if len(levels) < 3 {
			return "", errorf(KindInvalid, "mailbox name %q: a personal mailbox is user/USER/NAME", name)
		}
		if err := checkLocal(levels[1]); err != nil {
			return "", err
		}
		if strings.EqualFold(levels[2], inboxName) && levels[2] != inboxName {
			levels[2] = inboxName
			return strings.Join(levels, Delimiter), nil
		}
	case "shared":
		if len(levels) < 2 {
			return "", errorf(KindInvalid, "mailbox name %q: a shared folder is shared/NAME", name)
		}
	default:
		return "", errorf(KindInvalid, "mailbox name %q: must start with user/ or shared/", name)
	}
	return name, nil
}

// checkLevels splits a name on the delimiter and refuses an empty level, ".",
// "..", control characters, IMAP wildcards, invalid UTF-8, and levels longer
// than 255 bytes.
func checkLevels(name string) ([]string, error) {
	if name == "" {
		return nil, errorf(KindInvalid, "empty mailbox name")
	}
	if len(name) > maxNameBytes {
		return nil, errorf(KindInvalid, "mailbox name longer than %d bytes", maxNameBytes)
	}
	if !utf8.ValidString(name) {
		return nil, errorf(KindInvalid, "mailbox name %q is not valid UTF-8", name)
	}
	levels := strings.Split(name, Delimiter)
	for _, l := range levels {
		if err := checkLevel(l); err != nil {
			return nil, wrapErr(KindInvalid, err, "mailbox name %q", name)
		}
	}
	return levels, nil
}

func checkLevel(l string) error {
	switch {
	case l == "":
		return errorf(KindInvalid, "empty level (leading, trailing or doubled %q)", Delimiter)
	case l == "." || l == "..":
		return errorf(KindInvalid, "level %q is not allowed", l)
	case len(l) > maxLevelBytes:
		return errorf(KindInvalid, "level longer than %d bytes", maxLevelBytes)
	}
	for _, r := range l {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return errorf(KindInvalid, "control character %U", r)
		}
		if r == '*' || r == '%' {
			return errorf(KindInvalid, "wildcard %q", r)
		}
	}
	return nil
}

// normalizeDomain lowercases a domain name and checks its syntax.
func normalizeDomain(d string) (string, error) {
	d = strings.ToLower(strings.TrimSuffix(d, "."))
	if d == "" || len(d) > maxDomainBytes {
		return "", errorf(KindInvalid, "domain %q: empty or too long", d)
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 {
			return "", errorf(KindInvalid, "domain %q: empty or overlong label", d)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "", errorf(KindInvalid, "domain %q: a label may not start or end with '-'", d)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", errorf(KindInvalid, "domain %q: character %q not allowed", d, c)
			}
		}
	}
	return d, nil
}

// checkLocal checks the local part of a user name; it becomes a mailbox level.
func checkLocal(l string) error {
	if len(l) > maxLocalBytes {
		return errorf(KindInvalid, "user name %q: local part longer than %d bytes", l, maxLocalBytes)
	}
	if err := checkLevel(l); err != nil {
		return wrapErr(KindInvalid, err, "user name %q", l)
	}
	if strings.ContainsAny(l, "@/ \t") {
		return errorf(KindInvalid, "user name %q: '@', '/' and blanks are not allowed in the local part", l)
	}
	return nil
}

// normalizeUser lowercases "Joe@Foo.com" and splits it into its parts.
func normalizeUser(name string) (full, local, domain string, err error) {
	name = strings.ToLower(strings.TrimSpace(name))
	local, domain, ok := strings.Cut(name, "@")
	if !ok {
		return "", "", "", errorf(KindInvalid, "user name %q: want LOCAL@DOMAIN", name)
	}
	if err := checkLocal(local); err != nil {
		return "", "", "", err
	}
	if domain, err = normalizeDomain(domain); err != nil {
		return "", "", "", err
	}
	return local + "@" + domain, local, domain, nil
}

// ownerLocal returns the user a canonical name belongs to ("joe" for
// "user/joe/INBOX"); ok is false for shared folders.
func ownerLocal(name string) (local string, ok bool) {
	rest, ok := strings.CutPrefix(name, userPrefix)
	if !ok {
		return "", false
	}
	local, _, _ = strings.Cut(rest, Delimiter)
	return local, true
}

// userRoot is the canonical name of a user's tree, which is also their
// default quota root.
func userRoot(local string) string { return "user/" + local }

// parentName returns the name one level up, or "" at the top.
func parentName(name string) string {
	i := strings.LastIndex(name, Delimiter)
	if i < 0 {
		return ""
	}
	return name[:i]
}

// isUnder reports whether name is root or below it.
func isUnder(name, root string) bool {
	return name == root || strings.HasPrefix(name, root+Delimiter)
}
