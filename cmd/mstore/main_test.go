package main

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	// This binary is not mstore: serve must not start it as the proxy.
	spawnAuthProxy = false
	os.Exit(m.Run())
}
