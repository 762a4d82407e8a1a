package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"mstore/store"
)

// Validate checks every value and returns the first problem, naming its
// key. Call it again after changing a Config (serve does, after applying
// its flags).
func (c *Config) Validate() error {
	bad := func(key, format string, args ...any) error {
		return &Error{Source: c.source, Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	if strings.TrimSpace(c.Store.Path) == "" {
		return bad("store.path", "must not be empty")
	}

	s := &c.Storage
	if len(s.FanOut) != 2 {
		return bad("storage.fanout", "want two numbers such as [5, 20], got %d", len(s.FanOut))
	}
	for _, f := range s.FanOut {
		if f < 5 || f > 500 {
			return bad("storage.fanout", "%d is not between 5 and 500", f)
		}
	}
	if s.MaxMessageSize <= 0 || s.MaxMessageSize > 1<<32-1 {
		return bad("storage.max_message_size", "%d is not between 1 and 4294967295 bytes", s.MaxMessageSize)
	}
	parts := map[string]bool{store.DefaultPartition: true}
	for i, p := range s.Partitions {
		key := fmt.Sprintf("storage.partition[%d]", i)
		if err := checkPartitionName(p.Name); err != nil {
			return bad(key+".name", "%v", err)
		}
		if p.Name != store.DefaultPartition && parts[p.Name] {
			return bad(key+".name", "partition %q is defined twice", p.Name)
		}
		if strings.TrimSpace(p.Path) == "" {
			return bad(key+".path", "partition %q needs a path", p.Name)
		}
		parts[p.Name] = true
	}
	switch d := s.PlacementDefault; {
	case d == store.RoundRobin || parts[d]:
	default:
		return bad("storage.placement_default", "%q is neither \"default\", \"round-robin\" nor a configured partition", d)
	}
	for i, r := range s.Rules {
		key := fmt.Sprintf("storage.rule[%d]", i)
		switch {
		case r.Domain == "" && r.User == "":
			return bad(key, "needs domain or user")
		case r.Domain != "" && r.User != "":
			return bad(key, "has both domain and user; give one")
		case r.User != "" && !strings.Contains(r.User, "@"):
			return bad(key+".user", "%q: want LOCAL@DOMAIN", r.User)
		case r.Domain != "" && strings.ContainsAny(r.Domain, "@/ "):
			return bad(key+".domain", "%q is not a domain name", r.Domain)
		case !parts[r.Partition]:
			return bad(key+".partition", "%q is not a configured partition", r.Partition)
		}
	}

	// Every TCP address once, so that two doors never fight over a port.
	seen := map[string]string{}
	addrs := func(key string, list []string) error {
		for _, a := range list {
			if err := checkAddr(a); err != nil {
				return bad(key, "%v", err)
			}
			if _, port, _ := net.SplitHostPort(a); port != "0" {
				if other, ok := seen[a]; ok {
					return bad(key, "%s is also in %s", a, other)
				}
				seen[a] = key
			}
		}
		return nil
	}
	for _, l := range []struct {
		key  string
		list []string
	}{
		{"imap.listen", c.IMAP.Listen}, {"imap.tls_listen", c.IMAP.TLSListen},
		{"pop3.listen", c.POP3.Listen}, {"pop3.tls_listen", c.POP3.TLSListen},
		{"lmtp.listen", c.LMTP.Listen},
	} {
		if err := addrs(l.key, l.list); err != nil {
			return err
		}
	}
	if c.Web.Listen != "" {
		if err := addrs("web.listen", []string{c.Web.Listen}); err != nil {
			return err
		}
	}

	if _, err := parseMode(c.LMTP.SocketMode); err != nil {
		return bad("lmtp.socket_mode", "%v", err)
	}
	if c.LMTP.IdleTimeout <= 0 {
		return bad("lmtp.idle_timeout", "must be a positive duration such as \"5m\"")
	}
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		return bad("tls", "give both cert and key, or neither for a self-signed pair")
	}
	if _, err := parseLevel(c.Log.Level); err != nil {
		return bad("log.level", "%v", err)
	}
	return nil
}

// checkPartitionName allows the names a directory and a log line can
// carry without quoting.
func checkPartitionName(n string) error {
	if n == "" {
		return fmt.Errorf("must not be empty")
	}
	if n == store.RoundRobin {
		return fmt.Errorf("%q is reserved for placement_default", n)
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("%q: use letters, digits, '-', '_' and '.'", n)
		}
	}
	return nil
}

// checkAddr accepts HOST:PORT with a numeric port; the host may be empty
// (every address) or a bracketed IPv6 address.
func checkAddr(a string) error {
	_, port, err := net.SplitHostPort(a)
	if err != nil {
		return fmt.Errorf("%q: want HOST:PORT", a)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: port must be a number from 0 to 65535", a)
	}
	return nil
}
