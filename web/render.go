package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

//go:embed templates/*.html templates/style.css
var templateFS embed.FS

// styleCSS is the page's only style sheet, inlined into every page and
// allowed by its hash in the Content-Security-Policy.
var styleCSS = mustRead("templates/style.css")

// pageNames are the templates under templates/, each rendered inside
// layout.html.
var pageNames = []string{"login", "error", "domains", "domain", "mailboxes", "mailbox", "quotas", "status"}

func mustRead(name string) string {
	b, err := templateFS.ReadFile(name)
	if err != nil {
		panic("web: " + err.Error())
	}
	return string(b)
}

// page is what a template sees: the page's own data and what the layout
// shows around it.
type page struct {
	tmpl  string // template name
	Title string
	Data  any

	User   string // the logged-in administrator, "" on the login and error pages before login
	Global bool   // a global administrator: the layout links the status page
	CSRF   string // the session's form token
	Flash  string // the outcome of the previous action
	Error  string // why the action just tried failed
}

var funcs = template.FuncMap{
	"css":     func() template.CSS { return template.CSS(styleCSS) },
	"size":    formatSize,
	"limit":   formatLimit,
	"field":   limitField,
	"when":    formatTime,
	"local":   func(user string) string { l, _, _ := strings.Cut(user, "@"); return l },
	"pathEsc": url.PathEscape,
	"join":    strings.Join,
	"rel":     func(path, base string) string { return strings.TrimPrefix(path, base+"/") },
	"uses":    func() []string { return specialUses },
}

func parsePages() map[string]*template.Template {
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/"+name+".html"))
	}
	return pages
}

// contentSecurityPolicy allows nothing but the page's own forms and its
// inline style sheet: no script, no frame, no other origin.
func contentSecurityPolicy() string {
	sum := sha256.Sum256([]byte(styleCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}

// render writes a page with its status. The page is rendered whole before
// anything is sent, so that a template failure is a clean 500.
func (s *Server) render(w http.ResponseWriter, q *req, status int, p *page) {
	if q != nil {
		p.User = q.sess.user
		p.Global = q.caller.IsGlobalAdmin()
		p.CSRF = q.sess.csrf
		if f := s.sess.takeFlash(q.sess); f != "" && p.Error == "" {
			p.Flash = f
		}
	}
	t := s.pages[p.tmpl]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("rendering a page", "page", p.tmpl, "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintln(w, "Internal error; the cause is in the server's log.")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderError shows only a message, with the layout around it when there is
// a session.
func (s *Server) renderError(w http.ResponseWriter, q *req, status int, msg string) {
	s.render(w, q, status, &page{tmpl: "error", Title: http.StatusText(status), Error: msg})
}

// formatSize writes a byte count for people: "0 B", "812 B", "1.5 KiB".
func formatSize(v any) string {
	var n float64
	switch x := v.(type) {
	case uint64:
		n = float64(x)
	case int64:
		n = float64(x)
	case int:
		n = float64(x)
	default:
		return fmt.Sprint(v)
	}
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for n >= 1024 && i < len(units)-1 {
		n /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", n)
	}
	return fmt.Sprintf("%.1f %s", n, units[i])
}

// formatLimit writes a quota limit, "none" below zero.
func formatLimit(n int64) string {
	if n < 0 {
		return "none"
	}
	return strconv.FormatInt(n, 10)
}

// limitField is a limit as a form field holds it: empty for none.
func limitField(n int64) string {
	if n < 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func formatTime(t time.Time) string {
	if t.IsZero() || t.Unix() == 0 {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}
