package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// Tally collects what one worker saw. Each worker owns its own Tally, so none
// of it is locked; the run merges them once every worker has stopped.
type Tally struct {
	Latencies []time.Duration
	Counts    map[string]int64
	Errors    map[string]int64 // reply or failure text -> how often
	Outcomes  map[string]*Outcome
}

// Outcome counts the successes and failures for one key of a breakdown, such
// as one LMTP recipient.
type Outcome struct {
	OK     int64 `json:"ok"`
	Failed int64 `json:"failed"`
}

// NewTally returns an empty Tally.
func NewTally() *Tally {
	return &Tally{
		Counts:   map[string]int64{},
		Errors:   map[string]int64{},
		Outcomes: map[string]*Outcome{},
	}
}

// Observe records the latency of one completed operation.
func (t *Tally) Observe(d time.Duration) { t.Latencies = append(t.Latencies, d) }

// Add adds n to the named count.
func (t *Tally) Add(name string, n int64) { t.Counts[name] += n }

// Error records one error under its text.
func (t *Tally) Error(text string) { t.Errors[text]++ }

// Outcome records one success or failure for key.
func (t *Tally) Outcome(key string, ok bool) {
	o := t.Outcomes[key]
	if o == nil {
		o = &Outcome{}
		t.Outcomes[key] = o
	}
	if ok {
		o.OK++
	} else {
		o.Failed++
	}
}

// Merge adds everything in o to t.
func (t *Tally) Merge(o *Tally) {
	t.Latencies = append(t.Latencies, o.Latencies...)
	for k, v := range o.Counts {
		t.Counts[k] += v
	}
	for k, v := range o.Errors {
		t.Errors[k] += v
	}
	for k, v := range o.Outcomes {
		mine := t.Outcomes[k]
		if mine == nil {
			mine = &Outcome{}
			t.Outcomes[k] = mine
		}
		mine.OK += v.OK
		mine.Failed += v.Failed
	}
}

// runWorkers runs work on n goroutines at once, worker i with a Tally of its
// own, and once all have returned gives their merged Tally and the wall time
// they took. Each name in counts is in the result even when no worker added
// to it, so that JSON always has every key.
func runWorkers(n int, counts []string, work func(i int, t *Tally)) (*Tally, time.Duration) {
	tallies := make([]*Tally, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range tallies {
		t := NewTally()
		tallies[i] = t
		wg.Go(func() { work(i, t) })
	}
	wg.Wait()
	elapsed := time.Since(start)

	total := NewTally()
	for _, name := range counts {
		total.Counts[name] = 0
	}
	for _, t := range tallies {
		total.Merge(t)
	}
	return total, elapsed
}

// Percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value that at least p percent of the
// values do not exceed. It never interpolates, so the answer is always a
// latency that was really measured. An empty slice gives 0.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	rank = max(1, min(rank, n))
	return sorted[rank-1]
}

// Latency summarises a set of latencies. JSON carries milliseconds.
type Latency struct {
	N    int           `json:"n"`
	Min  time.Duration `json:"-"`
	Mean time.Duration `json:"-"`
	P50  time.Duration `json:"-"`
	P90  time.Duration `json:"-"`
	P99  time.Duration `json:"-"`
	Max  time.Duration `json:"-"`
}

// Summarize computes the summary of ds. It sorts ds in place.
func Summarize(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return Latency{
		N:    len(ds),
		Min:  ds[0],
		Mean: sum / time.Duration(len(ds)),
		P50:  Percentile(ds, 50),
		P90:  Percentile(ds, 90),
		P99:  Percentile(ds, 99),
		Max:  ds[len(ds)-1],
	}
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// MarshalJSON writes the durations as milliseconds with microsecond precision.
func (l Latency) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		N    int     `json:"n"`
		Min  float64 `json:"min_ms"`
		Mean float64 `json:"mean_ms"`
		P50  float64 `json:"p50_ms"`
		P90  float64 `json:"p90_ms"`
		P99  float64 `json:"p99_ms"`
		Max  float64 `json:"max_ms"`
	}{l.N, ms(l.Min), ms(l.Mean), ms(l.P50), ms(l.P90), ms(l.P99), ms(l.Max)})
}

// ErrorText is one distinct error and how often it happened.
type ErrorText struct {
	Count int64  `json:"count"`
	Text  string `json:"text"`
}

// Report is the result of one run, printed as text or JSON.
type Report struct {
	Mode    string  `json:"mode"`
	Command string  `json:"command"`
	Target  string  `json:"target"`
	Conns   int     `json:"conns"`
	Elapsed float64 `json:"elapsed_s"`

	// Unit names the thing whose rate is the headline figure
	// ("deliveries" for LMTP); Done is how many of them succeeded.
	Unit string  `json:"unit"`
	Done int64   `json:"done"`
	Rate float64 `json:"rate_per_s"`

	Counts     map[string]int64 `json:"counts"`
	CountOrder []string         `json:"-"` // the order in which text output shows Counts

	Latency Latency `json:"latency"`

	Errors     int64       `json:"errors"`
	ErrorTexts []ErrorText `json:"error_texts"`

	// Breakdown splits successes and failures by a key named by
	// BreakdownName, such as each LMTP recipient.
	BreakdownName string              `json:"breakdown_name,omitempty"`
	Breakdown     map[string]*Outcome `json:"breakdown,omitempty"`
}

// NewReport builds the report of a run from the merged tally.
func NewReport(mode, command, target string, conns int, elapsed time.Duration, unit string, t *Tally) *Report {
	r := &Report{
		Mode:      mode,
		Command:   command,
		Target:    target,
		Conns:     conns,
		Elapsed:   elapsed.Seconds(),
		Unit:      unit,
		Done:      t.Counts[unit],
		Counts:    t.Counts,
		Latency:   Summarize(t.Latencies),
		Breakdown: t.Outcomes,
	}
	if elapsed > 0 {
		r.Rate = float64(r.Done) / elapsed.Seconds()
	}
	for text, n := range t.Errors {
		r.Errors += n
		r.ErrorTexts = append(r.ErrorTexts, ErrorText{Count: n, Text: text})
	}
	// Most frequent first; ties by text so that output is stable.
	slices.SortFunc(r.ErrorTexts, func(a, b ErrorText) int {
		if a.Count != b.Count {
			if a.Count > b.Count {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Text, b.Text)
	})
	if r.ErrorTexts == nil {
		r.ErrorTexts = []ErrorText{}
	}
	return r
}

// maxErrorLines bounds how many distinct error texts the text output shows;
// JSON always carries all of them.
const maxErrorLines = 10

// Write prints the report, as JSON or for a person, and returns
// errFailures when some operation failed.
func (r *Report) Write(w io.Writer, asJSON bool) error {
	var err error
	if asJSON {
		err = r.WriteJSON(w)
	} else {
		err = r.WriteText(w)
	}
	if err == nil && r.Errors > 0 {
		err = errFailures
	}
	return err
}

// WriteText prints the report for a person.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "command     %s\n", r.Command)
	fmt.Fprintf(&b, "target      %s (%s %d connection%s)\n", r.Target, r.Mode, r.Conns, plural(r.Conns))
	fmt.Fprintf(&b, "elapsed     %.3fs\n", r.Elapsed)
	fmt.Fprintf(&b, "%-11s %d (%.1f/s)\n", r.Unit, r.Done, r.Rate)
	for _, name := range r.CountOrder {
		if name == r.Unit {
			continue
		}
		fmt.Fprintf(&b, "%-11s %d\n", name, r.Counts[name])
	}
	l := r.Latency
	fmt.Fprintf(&b, "latency     p50 %s  p90 %s  p99 %s  max %s  (min %s, mean %s, n=%d)\n",
		fmtDur(l.P50), fmtDur(l.P90), fmtDur(l.P99), fmtDur(l.Max), fmtDur(l.Min), fmtDur(l.Mean), l.N)
	if len(r.Breakdown) > 1 {
		keys := make([]string, 0, len(r.Breakdown))
		for k := range r.Breakdown {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			o := r.Breakdown[k]
			fmt.Fprintf(&b, "%-11s %s: %d ok, %d failed\n", r.BreakdownName, k, o.OK, o.Failed)
		}
	}
	fmt.Fprintf(&b, "errors      %d\n", r.Errors)
	for i, e := range r.ErrorTexts {
		if i == maxErrorLines {
			fmt.Fprintf(&b, "  ... and %d more distinct errors (see --json)\n", len(r.ErrorTexts)-i)
			break
		}
		fmt.Fprintf(&b, "  %6d  %s\n", e.Count, oneLine(e.Text))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the report as one indented JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// fmtDur rounds a latency to three significant-ish digits for reading.
func fmtDur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= 10*time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// oneLine keeps a multi-line server reply on one output line.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " | ") }
