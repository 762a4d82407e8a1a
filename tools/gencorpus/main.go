// Command gencorpus writes the generated part of the MIME test corpus in
// testdata/mime: the messages whose point is their size, and those holding
// bytes that are awkward to keep in a hand-edited file (Latin-1 and binary).
// The rest of the corpus is written by hand. The generated files are
// checked in as well, so that tests need not run this; the package's test
// fails when they differ from what this program writes.
//
//	go run ./tools/gencorpus -out testdata/mime
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	out := flag.String("out", "testdata/mime", "corpus `directory` to write into")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gencorpus [-out DIR]")
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "gencorpus:", err)
		os.Exit(1)
	}
	for _, g := range generated {
		data := g.build()
		path := filepath.Join(*out, g.name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gencorpus:", err)
			os.Exit(1)
		}
		fmt.Printf("%-26s %8d bytes\n", g.name, len(data))
	}
}
