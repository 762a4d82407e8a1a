package main

import (
	"mstore/store"
)

// AuthIDCmd: mstore authid add|del|list. A login identifier is the string
// a client logs in with; a user may have several.
type AuthIDCmd struct {
	Add  AuthIDAddCmd  `cmd:"" help:"Give a user another login identifier."`
	Del  AuthIDDelCmd  `cmd:"" help:"Remove a login identifier."`
	List AuthIDListCmd `cmd:"" help:"List login identifiers, of one user or of all."`
}

type AuthIDAddCmd struct {
	Login         string `arg:"" help:"Login identifier."`
	User          string `arg:"" help:"The user it logs in as."`
	PasswordStdin bool   `name:"password-stdin" help:"Read its password from the first line of stdin (without it the login has no password)."`
}

func (c *AuthIDAddCmd) stdinMode() stdinMode {
	if c.PasswordStdin {
		return stdinLine
	}
	return stdinNone
}

func (c *AuthIDAddCmd) Run(env *Env) error {
	var creds store.Credentials
	if c.PasswordStdin {
		var err error
		if creds, err = env.credentials(); err != nil {
			return err
		}
	}
	return env.Store.AddAuthID(env.Ctx, env.Caller, c.Login, c.User, creds)
}

type AuthIDDelCmd struct {
	Login string `arg:"" help:"Login identifier."`
}

func (c *AuthIDDelCmd) Run(env *Env) error {
	return env.Store.DeleteAuthID(env.Ctx, env.Caller, c.Login)
}

type AuthIDListCmd struct {
	User string `arg:"" optional:"" help:"Only the logins of this user."`
	JSON bool   `name:"json" help:"Print JSON."`
}

func (c *AuthIDListCmd) Run(env *Env) error {
	ids, err := env.Store.AuthIDs(env.Ctx, env.Caller, c.User)
	if err != nil {
		return err
	}
	if c.JSON {
		return env.printJSON(nonNil(ids))
	}
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	var rows [][]string
	for _, id := range ids {
		rows = append(rows, []string{id.Login, id.User, yes(id.CramMD5), yes(id.Scram)})
	}
	return env.printTable([]string{"LOGIN", "USER", "CRAM-MD5", "SCRAM-SHA-256"}, rows)
}
