package web

import (
	"context"
	"net/url"
	"sort"
	"strings"

	"mstore/auth"
	"mstore/store"
)

type domainData struct {
	Domain string
	Users  []store.UserInfo
	Admins []store.AdminEntry // of this domain, and of every domain
	Groups []groupRow
}

type groupRow struct {
	Name    string
	Members []string
}

// pathDomain is the domain a page's path names, as the store spells it.
func pathDomain(q *req) string { return strings.ToLower(q.r.PathValue("domain")) }

func domainPage(d string) string { return "/domains/" + url.PathEscape(d) }

// viewDomain shows a domain's users, administrators and groups. Domain is
// asked first: it refuses a caller who does not administer the domain
// (403) and names a missing domain (404), where the lists would only come
// back empty.
func (s *Server) viewDomain(ctx context.Context, q *req) (*page, error) {
	d := pathDomain(q)
	if _, err := s.st.Domain(ctx, q.caller, d); err != nil {
		return nil, err
	}
	groups, err := s.st.Groups(ctx, q.caller, d)
	if err != nil {
		return nil, err
	}
	users, err := s.st.Users(ctx, q.caller, d)
	if err != nil {
		return nil, err
	}
	all, err := s.st.Admins(ctx, q.caller)
	if err != nil {
		return nil, err
	}
	data := domainData{Domain: d, Users: users}
	for _, a := range all {
		if a.Domain == d || a.Domain == "" {
			data.Admins = append(data.Admins, a)
		}
	}
	for name, members := range groups {
		sort.Strings(members)
		data.Groups = append(data.Groups, groupRow{Name: name, Members: members})
	}
	sort.Slice(data.Groups, func(i, j int) bool { return data.Groups[i].Name < data.Groups[j].Name })
	return &page{tmpl: "domain", Title: "Domain " + d, Data: data}, nil
}

// domainUser completes a user name typed on a domain's page: "joe" is
// joe@DOMAIN, and a user of another domain is refused.
func domainUser(name, domain string) (string, error) {
	name = strings.ToLower(name)
	if name == "" {
		return "", invalid("give a user name")
	}
	local, d, ok := strings.Cut(name, "@")
	if !ok {
		return name + "@" + domain, nil
	}
	if d != domain {
		return "", invalid("user %s is not of domain %s", name, domain)
	}
	return local + "@" + d, nil
}

// anyUser completes a user name that may belong to another domain (an
// administrator or a group member): "joe" is still joe@DOMAIN.
func anyUser(name, domain string) (string, error) {
	name = strings.ToLower(name)
	if name == "" {
		return "", invalid("give a user name")
	}
	if !strings.Contains(name, "@") {
		name += "@" + domain
	}
	return name, nil
}

// credentials hashes a password typed twice, keeping the challenge-response
// secrets the configuration enables (as the command line does).
func (s *Server) credentials(q *req) (store.Credentials, error) {
	pw, again := q.r.PostFormValue("password"), q.r.PostFormValue("confirm")
	if pw != again {
		return store.Credentials{}, invalid("the two passwords differ")
	}
	c, err := auth.NewCredentials([]byte(pw), s.opts.Credentials)
	if err != nil {
		return store.Credentials{}, invalid("password: %v", err)
	}
	return c, nil
}

// userAdd creates a user and its INBOX (unless asked not to), and a login
// named like the user when a password is given.
func (s *Server) userAdd(ctx context.Context, q *req) (done, error) {
	d := pathDomain(q)
	name, err := domainUser(q.form("user"), d)
	if err != nil {
		return done{}, err
	}
	opts := store.UserOptions{NoInbox: q.form("noinbox") != ""}
	if q.r.PostFormValue("password") != "" || q.r.PostFormValue("confirm") != "" {
		creds, err := s.credentials(q)
		if err != nil {
			return done{}, err
		}
		opts.Credentials = &creds
	}
	if _, err := s.st.AddUser(ctx, q.caller, name, opts); err != nil {
		return done{}, err
	}
	return done{next: domainPage(d), flash: "User " + name + " added."}, nil
}

func (s *Server) userDelete(ctx context.Context, q *req) (done, error) {
	d := pathDomain(q)
	name, err := domainUser(q.form("user"), d)
	if err != nil {
		return done{}, err
	}
	if err := s.st.DeleteUser(ctx, q.caller, name, q.form("force") != ""); err != nil {
		return done{}, store.WithHint(err, store.KindInUse, "tick “delete everything it owns” to delete them with their mail")
	}
	return done{next: domainPage(d), flash: "User " + name + " deleted."}, nil
}

// userPassword sets the password of the login named like the user,
// creating that login when the user has none.
func (s *Server) userPassword(ctx context.Context, q *req) (done, error) {
	d := pathDomain(q)
	name, err := domainUser(q.form("user"), d)
	if err != nil {
		return done{}, err
	}
	creds, err := s.credentials(q)
	if err != nil {
		return done{}, err
	}
	if err := s.st.SetCredentials(ctx, q.caller, name, creds); err != nil {
		return done{}, err
	}
	return done{next: domainPage(d), flash: "Password of " + name + " set."}, nil
}

func (s *Server) adminAdd(ctx context.Context, q *req) (done, error) {
	d := pathDomain(q)
	name, err := anyUser(q.form("user"), d)
	if err != nil {
		return done{}, err
	}
	if err := s.st.AddAdmin(ctx, q.caller, name, d); err != nil {
		return done{}, err
	}
	return done{next: domainPage(d), flash: name + " now administers " + d + "."}, nil
}

// adminDelete takes away the user's power over this domain; any other
// power the user holds stays.
func (s *Server) adminDelete(ctx context.Context, q *req) (done, error) {
	d := pathDomain(q)
	name, err := anyUser(q.form("user"), d)
	if err != nil {
		return done{}, err
	}
	if err := s.st.DeleteAdmin(ctx, q.caller, name, store.AdminScope{Domain: d}); err != nil {
		return done{}, err
	}
	return done{next: domainPage(d), flash: name + " no longer administers " + d + "."}, nil
}

// groupName accepts a group as "staff" or as an ACL writes it, "group:staff".
func groupName(q *req) (string, error) {
	g := strings.TrimPrefix(q.form("group"), store.GroupPrefix)
	if g == "" {
		return "", invalid("give a group name")
	}
	return g, nil
}

func (s *Server) groupAdd(ctx context.Context, q *req) (done, error) {
	d := pathDomain(q)
	g, err := groupName(q)
	if err != nil {
		return done{}, err
	}
	name, err := anyUser(q.form("user"), d)
	if err != nil {
		return done{}, err
	}
	if err := s.st.AddGroupMember(ctx, q.caller, d, g, name); err != nil {
		return done{}, err
	}
	return done{next: domainPage(d), flash: name + " added to group " + g + "."}, nil
}

func (s *Server) groupDelete(ctx context.Context, q *req) (done, error) {
	d := pathDomain(q)
	g, err := groupName(q)
	if err != nil {
		return done{}, err
	}
	name, err := anyUser(q.form("user"), d)
	if err != nil {
		return done{}, err
	}
	if err := s.st.DeleteGroupMember(ctx, q.caller, d, g, name); err != nil {
		return done{}, err
	}
	return done{next: domainPage(d), flash: name + " taken out of group " + g + "."}, nil
}
