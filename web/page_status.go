package web

import (
	"context"
	"time"
)

type statusData struct {
	Dir            string
	MaxMessageSize int64
	Appends        uint64
	Commits        uint64
	FileSyncs      uint64
	DirSyncs       uint64
	Domains        int
	Sessions       int // of this page
	Started        time.Time
	Uptime         time.Duration
	Nologin        bool   // etc/nologin is present
	NologinText    string // its first line
}

// viewStatus shows the store's counters. They are store-wide, and no store
// call guards them, so the page shows them to global administrators only.
func (s *Server) viewStatus(ctx context.Context, q *req) (*page, error) {
	if !q.caller.IsGlobalAdmin() {
		return nil, noPerm("the status page is for global administrators")
	}
	ds, err := s.st.Domains(ctx, q.caller)
	if err != nil {
		return nil, err
	}
	st := s.st.Stats()
	data := statusData{
		Dir: s.st.Dir(), MaxMessageSize: s.st.MaxMessageSize(),
		Appends: st.Appends.Load(), Commits: st.Commits.Load(),
		FileSyncs: st.FileSyncs.Load(), DirSyncs: st.DirSyncs.Load(),
		Domains: len(ds), Sessions: s.sess.count(),
		Started: s.started, Uptime: time.Since(s.started).Round(time.Second),
	}
	if data.NologinText, data.Nologin, err = s.st.Nologin(); err != nil {
		s.log.Warn("reading etc/nologin", "err", err)
	}
	return &page{tmpl: "status", Title: "Status", Data: data}, nil
}
