package main

import (
	"strconv"

	"mstore/store"
)

// ReconstructCmd rebuilds mailbox indexes from their message files:
// files without an index entry are adopted, entries without a file are
// dropped, and counters and quota usage are recounted.
type ReconstructCmd struct {
	Path string `arg:"" optional:"" help:"Mailbox path."`
	All  bool   `help:"Rebuild every mailbox of the store."`
	JSON bool   `name:"json" help:"Print JSON."`
}

func (c *ReconstructCmd) Run(env *Env) error {
	if (c.Path == "") == !c.All {
		return usageErr("reconstruct: give a mailbox PATH or --all, not both")
	}
	var reps []store.ReconstructReport
	if c.All {
		var err error
		if reps, err = env.Store.ReconstructAll(env.Ctx, env.Caller); err != nil {
			return err
		}
	} else {
		n, err := parsePath(c.Path)
		if err != nil {
			return err
		}
		rep, err := env.Store.Reconstruct(env.Ctx, env.Caller, n)
		if err != nil {
			return err
		}
		reps = append(reps, rep)
	}
	if c.JSON {
		return env.printJSON(nonNil(reps))
	}
	var rows [][]string
	for _, r := range reps {
		rows = append(rows, []string{r.Mailbox, strconv.Itoa(r.Kept), strconv.Itoa(r.Adopted), strconv.Itoa(r.Dropped), u32(r.UIDNext)})
	}
	return env.printTable([]string{"MAILBOX", "KEPT", "ADOPTED", "DROPPED", "UIDNEXT"}, rows)
}
