package web

import (
	"context"
	"strconv"

	"mstore/store"
)

type quotasData struct {
	Quotas []store.QuotaInfo
}

// viewQuotas lists the quota roots of the domains the caller administers.
func (s *Server) viewQuotas(ctx context.Context, q *req) (*page, error) {
	qs, err := s.st.Quotas(ctx, q.caller)
	if err != nil {
		return nil, err
	}
	return &page{tmpl: "quotas", Title: "Quotas", Data: quotasData{Quotas: qs}}, nil
}

// limitValue reads a limit field: empty is no limit (nil).
func limitValue(field, v string) (*int64, error) {
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return nil, invalid("%s limit %q: want a whole number of at least 0, or nothing for no limit", field, v)
	}
	return &n, nil
}

// quotaSet sets a root's limits, creating the root; with both fields
// empty the root is removed, as the store (and RFC 9208) has it.
func (s *Server) quotaSet(ctx context.Context, q *req) (done, error) {
	root := q.form("root")
	if root == "" {
		return done{}, invalid("give a quota root: a domain, DOMAIN/users/USER or a mailbox path")
	}
	storage, err := limitValue("storage", q.form("storage"))
	if err != nil {
		return done{}, err
	}
	messages, err := limitValue("message", q.form("messages"))
	if err != nil {
		return done{}, err
	}
	if err := s.st.SetQuota(ctx, q.caller, root, storage, messages); err != nil {
		return done{}, err
	}
	if storage == nil && messages == nil {
		return done{next: "/quotas", flash: "Quota root " + root + " removed."}, nil
	}
	return done{next: "/quotas", flash: "Limits of " + root + " set."}, nil
}

func (s *Server) quotaRemove(ctx context.Context, q *req) (done, error) {
	root := q.form("root")
	if root == "" {
		return done{}, invalid("give a quota root")
	}
	if err := s.st.SetQuota(ctx, q.caller, root, nil, nil); err != nil {
		return done{}, err
	}
	return done{next: "/quotas", flash: "Quota root " + root + " removed."}, nil
}
