package fs

import (
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"mstore/store"
	"mstore/tools/testenv"
)

// A small message is put whole into the kernel's cache when it is opened,
// so reading it sends no READ here, whatever its size against a page, and
// the bytes are the stored ones. When the kernel drops that copy, a read
// reaches the mount, and the next open fills the cache again.
func TestOpenFillsCache(t *testing.T) {
	f := newFixture(t, Options{PassthroughMin: -1})
	sizes := []int{1, 4095, 4096, 4097, 3*4096 + 5, handleMin - 1}
	want := make([]string, len(sizes))
	for i, size := range sizes {
		head := "Subject: " + strings.Repeat("s", i) + "\r\n\r\n"
		body := strings.Repeat("x", max(0, size-len(head)))
		want[i] = (head + body)[:size]
		f.appendMsg(f.inbox, want[i], time.Now())
	}
	readAll := func(pass string) {
		t.Helper()
		for i := range sizes {
			got, err := os.ReadFile(f.path("foo.com", "users", "joe", "INBOX", store.DefaultMessageName(uint32(i+1))))
			must(t, err)
			if string(got) != want[i] {
				t.Errorf("%s: message of %d bytes read as %d bytes", pass, sizes[i], len(got))
			}
		}
	}
	dropPageCache := func() {
		t.Helper()
		if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("1"), 0); err != nil {
			testenv.Skip(t, "dropping the page cache: %v", err)
		}
	}

	readAll("first open")
	readAll("second open")
	if n := f.m.smallReads.Load(); n != 0 {
		t.Fatalf("%d reads reached the mount; the opens should have filled the cache", n)
	}
	dropPageCache()
	readAll("after the cache was dropped")
	if n := f.m.smallReads.Load(); n < uint64(len(sizes)) {
		t.Errorf("%d reads reached the mount after the cache was dropped, want at least %d", n, len(sizes))
	}
	dropPageCache()
	before := f.m.smallReads.Load()
	readAll("dropped again")
	if n := f.m.smallReads.Load(); n != before {
		t.Errorf("%d more reads reached the mount; the opens should have filled the cache again", n-before)
	}
}

// The prefetcher reads ahead only while a mailbox is read forward.
func TestPrefetchFollowsScans(t *testing.T) {
	p := &prefetcher{jobs: make(chan prefetchJob, 1000), mboxs: map[uint64]*prefetchState{}}
	queued := func() []uint32 {
		var out []uint32
		for {
			select {
			case j := <-p.jobs:
				out = append(out, j.uids...)
			default:
				return out
			}
		}
	}
	p.opened(7, 10)
	if q := queued(); len(q) != 0 {
		t.Fatalf("a first open queued %v", q)
	}
	p.opened(7, 11)
	q := queued()
	if len(q) != prefetchAhead || q[0] != 12 || q[len(q)-1] != 11+prefetchAhead {
		t.Fatalf("a scan queued %v, want 12 to %d", q, 11+prefetchAhead)
	}
	p.opened(7, 13)
	if q := queued(); len(q) != 2 || q[0] != 12+prefetchAhead {
		t.Errorf("the scan going on queued %v, want only the two UIDs past what was queued", q)
	}
	p.opened(8, 1) // another mailbox: its own scan
	p.opened(7, 13+prefetchGap+1)
	p.opened(7, 5)
	if q := queued(); len(q) != 0 {
		t.Errorf("a jump and a step back queued %v", q)
	}
	// A scan to the end, then the same scan again from the start (the
	// cache was dropped in between): read ahead again, in full.
	for uid := uint32(100); uid <= 200; uid++ {
		p.opened(7, uid)
	}
	queued()
	p.opened(7, 1)
	p.opened(7, 2)
	if q := queued(); len(q) != prefetchAhead || q[0] != 3 {
		t.Errorf("a second scan queued %v, want 3 to %d", q, 2+prefetchAhead)
	}
	// Names sorted as text: 1020 to 1029, then 103, then 1030 on. The
	// scan resumed at 1031 queues only what 1029 did not.
	for uid := uint32(1020); uid <= 1029; uid++ {
		p.opened(7, uid)
	}
	queued()
	p.opened(7, 103)
	p.opened(7, 1030)
	p.opened(7, 1031)
	if q := queued(); len(q) != 2 || q[0] != 1029+prefetchAhead+1 {
		t.Errorf("the resumed scan queued %v, want the two UIDs after %d", q, 1029+prefetchAhead)
	}
}

func TestTextNext(t *testing.T) {
	for _, c := range []struct{ x, top, want uint32 }{
		{1, 10000, 10}, {1029, 10000, 103}, {103, 10000, 1030}, {1000, 10000, 10000},
		{10000, 10000, 1001}, {1999, 10000, 2}, {9999, 9999, 0}, {5, 0, 0}, {7, 7, 0},
	} {
		if got := textNext(c.x, c.top); got != c.want {
			t.Errorf("textNext(%d, %d) = %d, want %d", c.x, c.top, got, c.want)
		}
	}
}

// TestPrefetchFollowsNames: opened in the order of their names sorted as
// text (rsync, cat *) or in UID order (tar, grep -r), nearly every message
// was queued for reading ahead before it was opened; opened in no order,
// nearly none was.
func TestPrefetchFollowsNames(t *testing.T) {
	const top = 3000
	byName := make([]uint32, top)
	for i := range byName {
		byName[i] = uint32(i + 1)
	}
	slices.SortFunc(byName, func(a, b uint32) int {
		return strings.Compare(store.DefaultMessageName(a), store.DefaultMessageName(b))
	})
	byUID := make([]uint32, top)
	for i := range byUID {
		byUID[i] = uint32(i + 1)
	}
	shuffled := slices.Clone(byUID)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })

	// ahead returns the share of opens whose message was queued before,
	// and how many messages were queued in all.
	ahead := func(order []uint32) (float64, int) {
		p := &prefetcher{jobs: make(chan prefetchJob, 1000), mboxs: map[uint64]*prefetchState{7: {top: top}}}
		queued := map[uint32]bool{}
		hits, jobs := 0, 0
		for _, uid := range order {
			if queued[uid] {
				hits++
			}
			p.opened(7, uid)
			for len(p.jobs) > 0 {
				for _, u := range (<-p.jobs).uids {
					queued[u] = true
					jobs++
				}
			}
		}
		return float64(hits) / float64(len(order)), jobs
	}
	if f, _ := ahead(byName); f < 0.98 {
		t.Errorf("names sorted as text: %.0f%% read ahead, want 98%% or more", 100*f)
	}
	if f, jobs := ahead(byUID); f < 0.95 || jobs > top+prefetchAhead {
		t.Errorf("UID order: %.0f%% read ahead with %d messages queued, want 95%% or more with each queued once", 100*f, jobs)
	}
	if _, jobs := ahead(shuffled); jobs > top/5 {
		t.Errorf("no order: %d messages queued for %d opens, want a fifth at most", jobs, top)
	}
}
