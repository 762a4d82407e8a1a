package main

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func msList(vals ...int) []time.Duration {
	ds := make([]time.Duration, len(vals))
	for i, v := range vals {
		ds[i] = time.Duration(v) * time.Millisecond
	}
	return ds
}

func TestPercentile(t *testing.T) {
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tc := range []struct {
		name string
		vals []int
		p    float64
		want int
	}{
		{"empty", nil, 50, 0},
		{"one value p50", []int{7}, 50, 7},
		{"one value p99", []int{7}, 99, 7},
		{"1..100 p50", hundred, 50, 50},
		{"1..100 p90", hundred, 90, 90},
		{"1..100 p99", hundred, 99, 99},
		{"1..100 p100", hundred, 100, 100},
		{"1..100 p0.5", hundred, 0.5, 1},
		{"1..100 p0", hundred, 0, 1},
		{"1..100 p99.5", hundred, 99.5, 100},
		{"four values p50", []int{1, 2, 3, 4}, 50, 2},
		{"four values p51", []int{1, 2, 3, 4}, 51, 3},
		{"four values p75", []int{1, 2, 3, 4}, 75, 3},
		{"four values p76", []int{1, 2, 3, 4}, 76, 4},
		{"ten values p90", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 90, 9},
		{"ten values p99", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 99, 10},
		{"repeated", []int{5, 5, 5, 5, 9}, 80, 5},
		{"above 100 is max", []int{1, 2, 3}, 150, 3},
	} {
		got := Percentile(msList(tc.vals...), tc.p)
		if want := time.Duration(tc.want) * time.Millisecond; got != want {
			t.Errorf("%s: Percentile(p%v) = %v, want %v", tc.name, tc.p, got, want)
		}
	}
}

func TestSummarizeSortsAndAverages(t *testing.T) {
	ds := msList(40, 10, 30, 20, 100)
	rand.Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
	l := Summarize(ds)
	want := Latency{N: 5, Min: 10 * time.Millisecond, Mean: 40 * time.Millisecond,
		P50: 30 * time.Millisecond, P90: 100 * time.Millisecond, P99: 100 * time.Millisecond, Max: 100 * time.Millisecond}
	if l != want {
		t.Errorf("Summarize = %+v, want %+v", l, want)
	}
	if (Summarize(nil) != Latency{}) {
		t.Error("Summarize(nil) is not zero")
	}
}

func TestTallyMergeAndReport(t *testing.T) {
	a, b := NewTally(), NewTally()
	for i := 1; i <= 60; i++ {
		a.Observe(time.Duration(i) * time.Millisecond)
		a.Add("deliveries", 1)
		a.Outcome("x@example.com", true)
	}
	for i := 61; i <= 100; i++ {
		b.Observe(time.Duration(i) * time.Millisecond)
		b.Add("deliveries", 1)
		b.Outcome("x@example.com", i%2 == 0)
	}
	a.Error("RCPT <y>: 550 5.1.1 no such user")
	b.Error("RCPT <y>: 550 5.1.1 no such user")
	b.Error("connect: connection refused")
	b.Add("bytes", 4096)

	total := NewTally()
	total.Merge(a)
	total.Merge(b)
	r := NewReport("lmtp", "mailbench lmtp --addr x", "x", 2, 2*time.Second, "deliveries", total)
	r.CountOrder = []string{"bytes"}
	r.BreakdownName = "recipient"

	if r.Done != 100 || r.Rate != 50 {
		t.Errorf("done %d rate %v, want 100 and 50", r.Done, r.Rate)
	}
	if r.Latency.P50 != 50*time.Millisecond || r.Latency.P99 != 99*time.Millisecond || r.Latency.Max != 100*time.Millisecond {
		t.Errorf("latency %+v", r.Latency)
	}
	if r.Errors != 3 || len(r.ErrorTexts) != 2 || r.ErrorTexts[0].Count != 2 || !strings.Contains(r.ErrorTexts[0].Text, "550") {
		t.Errorf("errors %d %+v", r.Errors, r.ErrorTexts)
	}
	if o := r.Breakdown["x@example.com"]; o.OK != 80 || o.Failed != 20 {
		t.Errorf("breakdown %+v", o)
	}

	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"command     mailbench lmtp --addr x\n",
		"deliveries  100 (50.0/s)\n",
		"bytes       4096\n",
		"latency     p50 50ms  p90 90ms  p99 99ms  max 100ms",
		"errors      3\n",
		"       2  RCPT <y>: 550 5.1.1 no such user\n",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, text.String())
		}
	}

	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Done    int64              `json:"done"`
		Rate    float64            `json:"rate_per_s"`
		Latency map[string]float64 `json:"latency"`
		Errors  int64              `json:"errors"`
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Done != 100 || back.Rate != 50 || back.Errors != 3 ||
		back.Latency["p90_ms"] != 90 || back.Latency["max_ms"] != 100 || back.Latency["n"] != 100 {
		t.Errorf("JSON round trip: %+v\n%s", back, js.String())
	}
}

func TestErrorListIsBounded(t *testing.T) {
	tl := NewTally()
	for i := range 25 {
		tl.Error(strings.Repeat("e", i+1))
	}
	r := NewReport("lmtp", "c", "t", 1, time.Second, "deliveries", tl)
	var b bytes.Buffer
	r.WriteText(&b)
	if !strings.Contains(b.String(), "and 15 more distinct errors") {
		t.Errorf("long error list not cut:\n%s", b.String())
	}
}

func TestRunWorkers(t *testing.T) {
	var seen [3]int
	total, elapsed := runWorkers(len(seen), []string{"idle", "work"}, func(i int, tally *Tally) {
		seen[i]++ // each worker writes only its own element
		tally.Add("work", int64(i+1))
		tally.Observe(time.Duration(i+1) * time.Millisecond)
		tally.Error("e")
	})
	if seen != [3]int{1, 1, 1} {
		t.Errorf("workers ran %v times, want once each", seen)
	}
	if c := total.Counts; len(c) != 2 || c["work"] != 6 || c["idle"] != 0 {
		t.Errorf("counts %v, want work 6 and idle 0", c)
	}
	if len(total.Latencies) != 3 || total.Errors["e"] != 3 {
		t.Errorf("latencies %v, errors %v: want 3 of each", total.Latencies, total.Errors)
	}
	if elapsed <= 0 {
		t.Errorf("elapsed %v", elapsed)
	}
}
