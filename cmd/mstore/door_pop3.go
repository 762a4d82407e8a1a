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
	plain, err := listenAll(d, "pop3", cfg.POP3.Listen)
	if err != nil {
		return nil, err
	}
	tlsLs, err := listenAll(d, "pop3s", cfg.POP3.TLSListen)
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
