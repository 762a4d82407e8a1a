package imap

import (
	"github.com/emersion/go-imap/v2"

	"mstore/imap/wire"
	"mstore/store"
)

// QUOTA commands (RFC 9208). A quota root is named as the store names it:
// "foo.com/users/joe" for a user's tree, "foo.com" for a whole domain,
// "foo.com/shared/staff" for a folder. Users read the roots of mailboxes
// they can see; only administrators set limits.

func init() {
	q := command{states: authOrSel, expungeOK: true}
	for name, fn := range map[string]func(*session, string, bool) error{
		"GETQUOTA": cmdGetQuota, "GETQUOTAROOT": cmdGetQuotaRoot, "SETQUOTA": cmdSetQuota,
	} {
		c := q
		c.fn = fn
		register(name, c)
	}
	extraCaps = append(extraCaps, "QUOTA", "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE", "QUOTASET")
}

// writeQuota writes "* QUOTA root (STORAGE used limit MESSAGE used limit)"
// with the resources that have a limit.
func (s *session) writeQuota(q store.QuotaInfo) {
	s.enc.Atom("* QUOTA ").AString(q.Root).SP().BeginList()
	sep := false
	if q.StorageLimit >= 0 {
		s.enc.Atom("STORAGE").SP().Number64(uint64(q.StorageUsed)).SP().Number64(uint64(q.StorageLimit))
		sep = true
	}
	if q.MessageLimit >= 0 {
		if sep {
			s.enc.SP()
		}
		s.enc.Atom("MESSAGE").SP().Number64(uint64(q.MessagesUsed)).SP().Number64(uint64(q.MessageLimit))
	}
	s.enc.EndList().CRLF()
}

func cmdGetQuota(s *session, tag string, _ bool) error {
	root, err := wire.ParseQuotaRoot(s.dec)
	if err != nil {
		return err
	}
	q, err := s.st.Quota(s.ctx, s.caller, root)
	if err != nil {
		return s.no(tag, err)
	}
	s.writeQuota(q)
	return s.ok(tag, "", "GETQUOTA completed")
}

func cmdGetQuotaRoot(s *session, tag string, _ bool) error {
	name, n, err := s.mailboxArg()
	if err != nil {
		return orNo(s, tag, err)
	}
	roots, err := s.st.QuotaRootsOf(s.ctx, s.caller, n)
	if err != nil {
		return s.no(tag, err)
	}
	s.enc.Atom("* QUOTAROOT ").Mailbox(name)
	for _, q := range roots {
		s.enc.SP().AString(q.Root)
	}
	s.enc.CRLF()
	for _, q := range roots {
		s.writeQuota(q)
	}
	return s.ok(tag, "", "GETQUOTAROOT completed")
}

func cmdSetQuota(s *session, tag string, _ bool) error {
	cmd, err := wire.ParseSetQuota(s.dec)
	if err != nil {
		return err
	}
	var storage, messages *int64
	for res, limit := range cmd.Limits {
		limit := limit
		switch res {
		case imap.QuotaResourceStorage:
			storage = &limit
		case imap.QuotaResourceMessage:
			messages = &limit
		default:
			return s.noText(tag, "CANNOT", "Unsupported quota resource "+string(res))
		}
	}
	if err := s.st.SetQuota(s.ctx, s.caller, cmd.Root, storage, messages); err != nil {
		return s.no(tag, err)
	}
	if q, err := s.st.Quota(s.ctx, s.caller, cmd.Root); err == nil {
		s.writeQuota(q)
	}
	return s.ok(tag, "", "SETQUOTA completed")
}
