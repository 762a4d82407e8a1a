package main

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	// This binary is not mstore: serve must not start it as the proxy.
	spawnAuthProxy = false
	// serve runs inside this process, which must stay root for the tests
	// after it; tests/ runs the real binary that gives root up.
	runAsAccount = false
	os.Exit(m.Run())
}
