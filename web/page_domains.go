package web

import (
	"context"
	"strings"

	"mstore/store"
)

type domainsData struct {
	Domains []store.DomainInfo
}

// viewDomains lists the domains the caller administers, with their user
// counts.
func (s *Server) viewDomains(ctx context.Context, q *req) (*page, error) {
	ds, err := s.st.Domains(ctx, q.caller)
	if err != nil {
		return nil, err
	}
	return &page{tmpl: "domains", Title: "Domains", Data: domainsData{Domains: ds}}, nil
}

func (s *Server) domainAdd(ctx context.Context, q *req) (done, error) {
	name := strings.ToLower(q.form("name"))
	if name == "" {
		return done{}, invalid("give the domain a name")
	}
	if err := s.st.AddDomain(ctx, q.caller, name); err != nil {
		return done{}, err
	}
	return done{next: "/domains", flash: "Domain " + name + " added."}, nil
}

// domainDelete deletes a domain; one that still owns users or mailboxes
// goes only with the "delete everything it owns" box ticked.
func (s *Server) domainDelete(ctx context.Context, q *req) (done, error) {
	name := strings.ToLower(q.form("name"))
	force := q.form("force") != ""
	if err := s.st.DeleteDomain(ctx, q.caller, name, force); err != nil {
		return done{}, store.WithHint(err, store.KindInUse, "tick “delete everything it owns” to delete them with their mail")
	}
	return done{next: "/domains", flash: "Domain " + name + " deleted."}, nil
}
