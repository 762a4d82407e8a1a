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
	plain, err := listenAll(d, "imap", cfg.IMAP.Listen)
	if err != nil {
		return nil, err
	}
	tlsLs, err := listenAll(d, "imaps", cfg.IMAP.TLSListen)
	if err != nil {
		closeAll(plain)
		return nil, err
	}
	for _, l := range plain {
		go srv.Serve(l)
	}
	for _, l := range tlsLs {
		go srv.ServeTLS(l)
	}
	return srv.Close, nil
}
