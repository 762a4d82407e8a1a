package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// corpusDir is testdata/mime seen from this package's directory.
const corpusDir = "../../testdata/mime"

// The one file that keeps LF line ends on purpose.
const bareLFFile = "bare-lf-line-ends.eml"

// Files whose point is their size; every other file must be small.
var sizeFiles = []string{"folded-long-header.eml", "huge-header-field.eml", "many-header-lines.eml", "long-line-100k.eml"}

func corpusFiles(t *testing.T) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(corpusDir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	if len(names) < 25 || len(names) > 40 {
		t.Errorf("the corpus has %d messages; keep it between 25 and 40", len(names))
	}
	return names
}

func readCorpus(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGeneratedFilesUpToDate(t *testing.T) {
	for _, g := range generated {
		if !bytes.Equal(readCorpus(t, g.name), g.build()) {
			t.Errorf("%s differs from what gencorpus writes; run: go run ./tools/gencorpus -out testdata/mime", g.name)
		}
	}
}

func TestGeneratedFilesAreStable(t *testing.T) {
	for _, g := range generated {
		if !bytes.Equal(g.build(), g.build()) {
			t.Errorf("%s: two builds differ", g.name)
		}
	}
}

func TestLineEnds(t *testing.T) {
	for _, name := range corpusFiles(t) {
		b := readCorpus(t, name)
		if name == bareLFFile {
			if bytes.IndexByte(b, '\r') >= 0 || !bytes.HasSuffix(b, []byte("\n")) {
				t.Errorf("%s must have LF line ends only", name)
			}
			continue
		}
		if !bytes.HasSuffix(b, []byte("\r\n")) {
			t.Errorf("%s does not end with CRLF", name)
		}
		for i, c := range b {
			if c == '\n' && (i == 0 || b[i-1] != '\r') {
				t.Errorf("%s: bare LF at byte %d (line %d)", name, i, bytes.Count(b[:i], []byte("\n"))+1)
				break
			}
			if c == '\r' && (i+1 == len(b) || b[i+1] != '\n') {
				t.Errorf("%s: bare CR at byte %d", name, i)
				break
			}
		}
	}
}

func TestReadmeListsEveryFile(t *testing.T) {
	readme := string(readCorpus(t, "README.md"))
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+\\.eml)` \\|").FindAllStringSubmatch(readme, -1) {
		if listed[m[1]] {
			t.Errorf("README lists %s twice", m[1])
		}
		listed[m[1]] = true
	}
	files := corpusFiles(t)
	for _, name := range files {
		if !listed[name] {
			t.Errorf("%s is not listed in README.md", name)
		}
	}
	for name := range listed {
		if !slices.Contains(files, name) {
			t.Errorf("README.md lists %s, which does not exist", name)
		}
	}
	for _, g := range generated {
		if !regexp.MustCompile("`" + regexp.QuoteMeta(g.name) + "` \\| \\*generated").MatchString(readme) {
			t.Errorf("README.md does not mark %s as generated", g.name)
		}
	}
}

func TestSmallUnlessSizeIsThePoint(t *testing.T) {
	for _, name := range corpusFiles(t) {
		if n := len(readCorpus(t, name)); n > 8*1024 && !slices.Contains(sizeFiles, name) {
			t.Errorf("%s is %d bytes; corpus messages stay under 8 KiB unless size is their point", name, n)
		}
	}
}

// headerOf returns the header lines of a CRLF message, up to the empty line.
func headerOf(b []byte) []string {
	head, _, _ := strings.Cut(string(b), "\r\n\r\n")
	return strings.Split(head, "\r\n")
}

func TestSizesAsPromised(t *testing.T) {
	// The one huge field: its first line and all continuation lines.
	var field int
	in := false
	for _, l := range headerOf(readCorpus(t, "huge-header-field.eml")) {
		switch {
		case strings.HasPrefix(l, "X-Huge-Field:"):
			in = true
		case in && (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")):
		default:
			in = false
		}
		if in {
			field += len(l) + 2
			if len(l) > 78 {
				t.Errorf("huge-header-field.eml has a line of %d characters", len(l))
			}
		}
	}
	if field < hugeFieldMin || field > hugeFieldMin+1024 {
		t.Errorf("X-Huge-Field is %d bytes, want just over %d", field, hugeFieldMin)
	}

	lines := headerOf(readCorpus(t, "many-header-lines.eml"))
	if len(lines) != headerLines {
		t.Errorf("many-header-lines.eml has %d header lines, want %d", len(lines), headerLines)
	}
	for _, l := range lines {
		if !strings.Contains(l, ": ") || strings.HasPrefix(l, " ") {
			t.Errorf("many-header-lines.eml: %q is not a field of one line", l)
			break
		}
	}

	longest := 0
	for _, l := range strings.Split(string(readCorpus(t, "long-line-100k.eml")), "\r\n") {
		longest = max(longest, len(l))
	}
	if longest != longLineLength {
		t.Errorf("long-line-100k.eml: longest line %d, want %d", longest, longLineLength)
	}

	var longCont int
	for _, l := range headerOf(readCorpus(t, "folded-long-header.eml")) {
		longCont = max(longCont, len(l))
	}
	if longCont <= 998 {
		t.Errorf("folded-long-header.eml: longest header line %d, want more than 998", longCont)
	}
}

func TestBinaryPart(t *testing.T) {
	b := readCorpus(t, "binary-part.eml")
	if bytes.IndexByte(b, 0) >= 0 {
		t.Error("binary-part.eml holds a NUL")
	}
	data := binaryData()
	if len(data) != 255*binaryRepeats || !bytes.Contains(b, data) {
		t.Errorf("binary-part.eml lacks its %d data bytes", 255*binaryRepeats)
	}
	seen := map[byte]bool{}
	for _, c := range data {
		seen[c] = true
	}
	if len(seen) != 255 || seen[0] {
		t.Errorf("binary data covers %d byte values, want 0x01 to 0xff", len(seen))
	}
	if bytes.Contains(data, []byte("--bin-sep")) {
		t.Error("binary data contains its boundary")
	}
}
