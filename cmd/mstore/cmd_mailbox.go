package main

import (
	"strconv"
	"strings"

	"mstore/store"
)

// MailboxCmd: mstore mailbox create|delete|rename|list|status. Mailboxes
// are named by their path in the mount: foo.com/users/joe/INBOX,
// foo.com/shared/staff.
type MailboxCmd struct {
	Create MailboxCreateCmd `cmd:"" help:"Create a mailbox and any missing mailboxes above it."`
	Delete MailboxDeleteCmd `cmd:"" help:"Delete a mailbox and its messages (mailboxes below it stay)."`
	Rename MailboxRenameCmd `cmd:"" help:"Rename a mailbox and every mailbox below it."`
	List   MailboxListCmd   `cmd:"" help:"List mailboxes, all or under a path prefix."`
	Status MailboxStatusCmd `cmd:"" help:"Show one mailbox's counters."`
}

type MailboxCreateCmd struct {
	Path       string   `arg:"" help:"Mailbox path, DOMAIN/users/USER/NAME or DOMAIN/shared/NAME."`
	SpecialUse []string `name:"special-use" sep:"none" placeholder:"ATTR" help:"Special-use attribute (\\Sent, \\Drafts, \\Trash, \\Junk, \\Archive, \\Flagged, \\All), repeatable."`
}

func (c *MailboxCreateCmd) Run(env *Env) error {
	n, err := parsePath(c.Path)
	if err != nil {
		return err
	}
	var use store.SpecialUse
	for _, a := range c.SpecialUse {
		u, err := store.ParseSpecialUse(a)
		if err != nil {
			return err
		}
		use |= u
	}
	_, err = env.Store.CreateMailbox(env.Ctx, env.Caller, n, store.CreateOptions{SpecialUse: use})
	return err
}

type MailboxDeleteCmd struct {
	Path string `arg:"" help:"Mailbox path."`
}

func (c *MailboxDeleteCmd) Run(env *Env) error {
	n, err := parsePath(c.Path)
	if err != nil {
		return err
	}
	return env.Store.DeleteMailbox(env.Ctx, env.Caller, n)
}

type MailboxRenameCmd struct {
	Path    string `arg:"" help:"Mailbox path."`
	NewPath string `arg:"" name:"newpath" help:"New path, in the same domain."`
}

func (c *MailboxRenameCmd) Run(env *Env) error {
	from, err := parsePath(c.Path)
	if err != nil {
		return err
	}
	to, err := parsePath(c.NewPath)
	if err != nil {
		return err
	}
	return env.Store.RenameMailbox(env.Ctx, env.Caller, from, to)
}

type MailboxListCmd struct {
	Prefix string `arg:"" optional:"" help:"Path prefix: a domain, DOMAIN/users, DOMAIN/users/USER, DOMAIN/shared, or any mailbox path."`
	JSON   bool   `name:"json" help:"Print JSON."`
}

func (c *MailboxListCmd) Run(env *Env) error {
	q, err := listQuery(c.Prefix)
	if err != nil {
		return err
	}
	if q.Domain != "" {
		if err := requireDomain(env, q.Domain); err != nil {
			return err
		}
	}
	mbs, err := env.Store.ListMailboxes(env.Ctx, env.Caller, q)
	if err != nil {
		return err
	}
	if c.JSON {
		return env.printJSON(nonNil(mbs))
	}
	var rows [][]string
	for _, m := range mbs {
		rows = append(rows, []string{m.Path, u32(m.Messages), u32(m.Unseen), strconv.FormatUint(m.Size, 10), m.Partition})
	}
	return env.printTable([]string{"MAILBOX", "MESSAGES", "UNSEEN", "SIZE", "PARTITION"}, rows)
}

// listQuery turns a path prefix into a store query.
func listQuery(prefix string) (store.ListQuery, error) {
	p := strings.TrimSuffix(prefix, "/")
	if p == "" {
		return store.ListQuery{}, nil
	}
	if strings.HasPrefix(p, "/") {
		return store.ListQuery{}, invalidErr("path prefix %q: must not start with \"/\"", prefix)
	}
	domain, rest, _ := strings.Cut(p, "/")
	if rest == "users" || rest == "shared" {
		d, _, err := store.ParseQuotaRoot(domain)
		if err != nil {
			return store.ListQuery{}, err
		}
		return store.ListQuery{Domain: d, Prefix: strings.TrimSuffix(rest, "s")}, nil
	}
	d, name, err := store.ParseQuotaRoot(p)
	if err != nil {
		return store.ListQuery{}, err
	}
	return store.ListQuery{Domain: d, Prefix: name}, nil
}

// requireDomain reports an unknown domain as not found rather than as an
// empty listing.
func requireDomain(env *Env, domain string) error {
	ds, err := env.Store.Domains(env.Ctx, env.Caller)
	if err != nil {
		return err
	}
	for _, d := range ds {
		if d.Name == domain {
			return nil
		}
	}
	return notFound("domain %s does not exist", domain)
}

type MailboxStatusCmd struct {
	Path string `arg:"" help:"Mailbox path."`
	JSON bool   `name:"json" help:"Print JSON."`
}

func (c *MailboxStatusCmd) Run(env *Env) error {
	n, err := parsePath(c.Path)
	if err != nil {
		return err
	}
	m, err := env.Store.Mailbox(env.Ctx, env.Caller, n)
	if err != nil {
		return err
	}
	if c.JSON {
		return env.printJSON(m)
	}
	return env.printFields([][2]string{
		{"path", m.Path},
		{"id", strconv.FormatUint(m.ID, 10)},
		{"owner", orDash(m.Owner)},
		{"partition", m.Partition},
		{"messages", u32(m.Messages)},
		{"unseen", u32(m.Unseen)},
		{"deleted", u32(m.Deleted)},
		{"size", strconv.FormatUint(m.Size, 10)},
		{"uidvalidity", u32(m.UIDValidity)},
		{"uidnext", u32(m.UIDNext)},
		{"highestmodseq", strconv.FormatUint(m.HighestModSeq, 10)},
		{"special-use", orDash(strings.Join(m.SpecialUse, " "))},
		{"created", fmtTime(m.Created)},
	})
}

func u32(v uint32) string { return strconv.FormatUint(uint64(v), 10) }
