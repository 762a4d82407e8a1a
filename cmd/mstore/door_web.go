package main

import (
	"context"
	"crypto/tls"
	"net"

	"mstore/web"
)

func init() { doors = append(doors, door{name: "web", start: startWeb}) }

// startWeb serves the admin page on web.listen. The page speaks HTTPS with
// the server's certificate unless the listener is bound to a loopback
// address, where only this host can reach it (and a TLS-terminating proxy
// in front of it is the way to publish it).
func startWeb(ctx context.Context, d *doorEnv) (func() error, error) {
	cfg := d.Config
	if cfg.Web.Listen == "" {
		return func() error { return nil }, nil
	}
	ls, err := listenAll(d, "web", []string{cfg.Web.Listen})
	if err != nil {
		return nil, err
	}
	l := ls[0]
	var tlsConfig *tls.Config
	if !isLoopback(l.Addr()) {
		tlsConfig = d.TLS
	}
	srv := web.New(d.Store, web.Options{
		TLS:         tlsConfig,
		Credentials: credentialOptions(cfg),
		Proxy:       d.Proxy,
	}, d.Log.With("door", "web"))
	go srv.Serve(l)
	return srv.Close, nil
}

// isLoopback reports whether a bound address is 127.0.0.0/8 or ::1.
func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}
