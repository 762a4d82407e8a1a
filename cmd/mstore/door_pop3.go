package main

import (
	"context"

	"mstore/pop3"
)

func init() { doors = append(doors, door{name: "pop3", start: startPOP3}) }

// startPOP3 serves POP3 on pop3.listen (STLS offered) and pop3s on
// pop3.tls_listen.
func startPOP3(ctx context.Context, d *doorEnv) (func() error, error) {
	cfg := d.Config
	if len(cfg.POP3.Listen) == 0 && len(cfg.POP3.TLSListen) == 0 {
		return func() error { return nil }, nil
	}
	srv := pop3.New(d.Store, pop3.Options{
		TLS:                d.TLS,
		AllowPlaintextAuth: cfg.POP3.AllowPlaintextAuth,
		DisableCRAMMD5:     !cfg.Auth.CramMD5,
		DisableSCRAMSHA256: !cfg.Auth.ScramSHA256,
		Proxy:              d.Proxy,
	}, d.Log.With("door", "pop3"))
	if err := serveTCP(d, "pop3", cfg.POP3.Listen, cfg.POP3.TLSListen, srv.Serve, srv.ServeTLS); err != nil {
		return nil, err
	}
	return srv.Close, nil
}
