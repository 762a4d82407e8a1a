package main

import (
	"context"

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
	if err := serveTCP(d, "imap", cfg.IMAP.Listen, cfg.IMAP.TLSListen, srv.Serve, srv.ServeTLS); err != nil {
		return nil, err
	}
	return srv.Close, nil
}
