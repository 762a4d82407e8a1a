package store

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Concurrent syncs of one directory share runs, and every caller returns
// only after a run that began after it called.
func TestDirSyncerShares(t *testing.T) {
	d := newDirSyncer()
	var runs atomic.Int64
	var mu sync.Mutex
	var starts []time.Time
	fn := func() error {
		runs.Add(1)
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		return nil
	}
	var wg sync.WaitGroup
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			called := time.Now()
			if err := d.sync(fn); err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			covered := false
			for _, s := range starts {
				if !s.Before(called) {
					covered = true
				}
			}
			if !covered {
				t.Error("returned without a sync that began after the call")
			}
		}()
	}
	wg.Wait()
	if n := runs.Load(); n >= 64 || n < 1 {
		t.Errorf("%d syncs for 64 callers", n)
	}
	// A failure reaches the callers it covered.
	boom := errors.New("boom")
	if err := d.sync(func() error { return boom }); err != boom {
		t.Errorf("failed sync returned %v", err)
	}
	if err := d.sync(func() error { return nil }); err != nil {
		t.Errorf("a later sync returned %v", err)
	}
}
