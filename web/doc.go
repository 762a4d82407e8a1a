// Package web is mstore's admin page: server-rendered HTML (html/template,
// no JavaScript, no external assets) for what the command line's admin verbs
// do — domains, users, passwords, administrators, groups, mailboxes, ACLs
// and quotas — plus a status page of the store's counters.
//
// # Who may do what
//
// Only administrators log in: a store login identifier and its password,
// checked by auth.Login (system accounts too, through the authmap), whose
// user is a global administrator or the administrator of at least one
// domain. Every page and every form runs with that user's store.Caller,
// rebuilt from the database on each request, so a power taken away takes
// effect at once and the store alone decides what a domain administrator may
// see and change. The page only hides forms that could never succeed, and
// gates the status page (store-wide counters, which no store call guards) to
// global administrators.
//
// etc/nologin does not apply here: it is how an administrator shuts mail
// clients out during maintenance, and the administrator still needs this page
// then. The status page says when the file is present.
//
// # Sessions
//
// A successful login makes a session: a random 32-byte token in the cookie
// mstore_session (HttpOnly, SameSite=Strict, Secure when served over TLS),
// kept in memory under the token's SHA-256 and forgotten after
// Options.IdleTimeout without a request, at logout, or when the server
// stops. Each session has a random CSRF token that every form carries and
// every POST must return; a POST without it changes nothing and gets 403.
// The login form, which comes before any session, is guarded the same way by
// a token in the cookie mstore_login. A failed login waits
// Options.FailedLoginDelay before the answer and says nothing of whether the
// password or the administrator power was missing.
//
// # Errors
//
// A store error becomes a sentence on the page and an HTTP status, both from
// one table (errors.go): 403 for no permission, 404 for not found, 400 for
// invalid input, 409 for a name taken or a domain or user that still has
// content. The store's message, written to be shown to the administrator who
// asked, follows the sentence; internal and temporary failures show only the
// sentence and go to the log with their cause.
//
// # Concurrency
//
// A Server serves any number of listeners; each request runs in its own
// goroutine (net/http's). The session table is the only state shared between
// requests and has its own mutex. Templates are parsed once in New and only
// read afterwards.
package web
