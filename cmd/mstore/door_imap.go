package main

import (
	"context"
	"net"

	"mstore/auth"
	"mstore/imap"
)

func init() { doors = append(doors, door{name: "imap", start: startIMAP}) }

// startIMAP serves IMAP on imap.listen (STARTTLS offered) and imaps on
// imap.tls_listen.
func startIMAP(ctx context.Context, d *doorEnv) (func() error, error) {
	cfg := d.Config
	if len(cfg.IMAP.Listen) == 0 && len(cfg.IMAP.TLSListen) == 0 {
		return func() error { return nil }, nil
	}
	srv := imap.New(d.Store, imap.Options{
		TLS:                d.TLS,
		AllowPlaintextAuth: cfg.IMAP.AllowPlaintextAuth,
		Auth:               auth.ServerOptions{DisableCRAMMD5: !cfg.Auth.CramMD5, DisableSCRAMSHA256: !cfg.Auth.ScramSHA256},
		Proxy:              d.Proxy,
	}, d.Log.With("door", "imap"))
	var ls []net.Listener
	fail := func(err error) (func() error, error) {
		for _, l := range ls {
			l.Close()
		}
		return nil, err
	}
	for _, addr := range cfg.IMAP.Listen {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return fail(err)
		}
		ls = append(ls, l)
		d.Announce("imap on %s", l.Addr())
		go srv.Serve(l)
	}
	for _, addr := range cfg.IMAP.TLSListen {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return fail(err)
		}
		ls = append(ls, l)
		d.Announce("imaps on %s", l.Addr())
		go srv.ServeTLS(l)
	}
	return srv.Close, nil
}
