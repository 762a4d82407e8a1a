package main

import (
	"strconv"
	"strings"

	"mstore/store"
)

// UserCmd: mstore user add|del|list|passwd.
type UserCmd struct {
	Add    UserAddCmd    `cmd:"" help:"Create a user, its INBOX, and with --password-stdin a login named like the user."`
	Del    UserDelCmd    `cmd:"" help:"Delete a user."`
	List   UserListCmd   `cmd:"" help:"List users, of one domain or of all."`
	Passwd UserPasswdCmd `cmd:"" help:"Set the password of the login named like the user."`
}

type UserAddCmd struct {
	User          string `arg:"" help:"User name, LOCAL@DOMAIN."`
	PasswordStdin bool   `name:"password-stdin" help:"Read a password from the first line of stdin and create a login equal to the user name."`
	NoInbox       bool   `name:"no-inbox" help:"Create no INBOX."`
}

func (c *UserAddCmd) stdinMode() stdinMode {
	if c.PasswordStdin {
		return stdinLine
	}
	return stdinNone
}

func (c *UserAddCmd) Run(env *Env) error {
	opts := store.UserOptions{NoInbox: c.NoInbox}
	if c.PasswordStdin {
		creds, err := env.credentials()
		if err != nil {
			return err
		}
		opts.Credentials = &creds
	}
	_, err := env.Store.AddUser(env.Ctx, env.Caller, c.User, opts)
	return err
}

type UserDelCmd struct {
	User  string `arg:"" help:"User name."`
	Force bool   `help:"Also delete the user's mailboxes, mail, logins and authmap entries."`
}

func (c *UserDelCmd) Run(env *Env) error {
	err := env.Store.DeleteUser(env.Ctx, env.Caller, c.User, c.Force)
	return store.WithHint(err, store.KindInUse, "use --force to delete them too")
}

type UserListCmd struct {
	Domain string `arg:"" optional:"" help:"Only users of this domain."`
	JSON   bool   `name:"json" help:"Print JSON."`
}

func (c *UserListCmd) Run(env *Env) error {
	us, err := env.Store.Users(env.Ctx, env.Caller, c.Domain)
	if err != nil {
		return err
	}
	if c.JSON {
		for i := range us {
			us[i].Logins = nonNil(us[i].Logins)
		}
		return env.printJSON(nonNil(us))
	}
	var rows [][]string
	for _, u := range us {
		rows = append(rows, []string{u.Name, strconv.Itoa(u.Mailboxes), orDash(strings.Join(u.Logins, ",")), fmtTime(u.Created)})
	}
	return env.printTable([]string{"USER", "MAILBOXES", "LOGINS", "CREATED"}, rows)
}

type UserPasswdCmd struct {
	User          string `arg:"" help:"User name (or any login identifier)."`
	PasswordStdin bool   `name:"password-stdin" required:"" help:"Read the password from the first line of stdin."`
}

func (c *UserPasswdCmd) stdinMode() stdinMode { return stdinLine }

func (c *UserPasswdCmd) Run(env *Env) error {
	creds, err := env.credentials()
	if err != nil {
		return err
	}
	return env.Store.SetCredentials(env.Ctx, env.Caller, c.User, creds)
}
