package main

// ACLCmd: mstore acl set|del|get. Rights are RFC 4314's lrswipkxtea.
type ACLCmd struct {
	Set ACLSetCmd `cmd:"" help:"Set an identifier's rights on a mailbox (+RIGHTS adds, -RIGHTS takes away, \"\" removes the entry)."`
	Del ACLDelCmd `cmd:"" help:"Remove an identifier's entry."`
	Get ACLGetCmd `cmd:"" help:"Show a mailbox's ACL."`
}

type ACLSetCmd struct {
	Path       string `arg:"" help:"Mailbox path."`
	Identifier string `arg:"" help:"USER@DOMAIN (or USER of the mailbox's domain), anyone, authenticated, group:NAME; a leading - makes a negative entry."`
	Rights     string `arg:"" help:"Rights such as lrs, +w or -w."`
}

func (c *ACLSetCmd) Run(env *Env) error {
	n, err := parsePath(c.Path)
	if err != nil {
		return err
	}
	return env.Store.SetACL(env.Ctx, env.Caller, n, c.Identifier, c.Rights)
}

type ACLDelCmd struct {
	Path       string `arg:"" help:"Mailbox path."`
	Identifier string `arg:"" help:"Identifier, with a leading - for a negative entry."`
}

func (c *ACLDelCmd) Run(env *Env) error {
	n, err := parsePath(c.Path)
	if err != nil {
		return err
	}
	return env.Store.DeleteACL(env.Ctx, env.Caller, n, c.Identifier)
}

type ACLGetCmd struct {
	Path string `arg:"" help:"Mailbox path."`
	JSON bool   `name:"json" help:"Print JSON."`
}

type aclJSON struct {
	Identifier string `json:"identifier"` // with a leading "-" for a negative entry
	Negative   bool   `json:"negative,omitempty"`
	Rights     string `json:"rights"`
}

func (c *ACLGetCmd) Run(env *Env) error {
	n, err := parsePath(c.Path)
	if err != nil {
		return err
	}
	acl, err := env.Store.GetACL(env.Ctx, env.Caller, n)
	if err != nil {
		return err
	}
	out := []aclJSON{}
	for _, e := range acl {
		out = append(out, aclJSON{Identifier: e.Key(), Negative: e.Negative, Rights: e.Rights.String()})
	}
	if c.JSON {
		return env.printJSON(out)
	}
	var rows [][]string
	for _, e := range out {
		rows = append(rows, []string{e.Identifier, orDash(e.Rights)})
	}
	return env.printTable([]string{"IDENTIFIER", "RIGHTS"}, rows)
}
