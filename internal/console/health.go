package console

import (
	"html/template"
	"net/http"
)

// The health page: the API's health checks, the server's information and
// charts of its metrics. Metrics are scraped with a token the admin API
// gives the logged-in identity, so only identities allowed
// admin:Prometheus see them.

func (s *Server) healthRoutes() {
	s.mux.HandleFunc("GET /health", s.withAdmin(s.healthPage))
	s.mux.HandleFunc("GET /health/charts", s.withAdmin(s.healthCharts))
}

type check struct {
	Name  string
	OK    bool
	Error string
}

type healthData struct {
	Checks []check
	Info   *serverInfo
	// Metrics is why no charts are drawn; Charts the charts otherwise.
	Metrics string
	Charts  template.HTML
}

type serverInfo struct {
	Version, Region string
	Buckets         int
}

func (s *Server) healthPage(w http.ResponseWriter, r *http.Request, sess *session) {
	p := page{Title: "Health"}
	sess.takeFlash(&p)
	ctx, cancel := requestContext(r)
	defer cancel()
	var data healthData
	for _, name := range []string{"live", "ready"} {
		c := check{Name: name, OK: true}
		if err := sess.admin.Health(ctx, name); err != nil {
			c.OK, c.Error = false, err.Error()
		}
		data.Checks = append(data.Checks, c)
	}
	if info, err := sess.admin.ServerInfo(ctx); err == nil {
		data.Info = &serverInfo{Version: info.Version, Region: info.Region, Buckets: info.Buckets}
	} else {
		data.Metrics = "Server information: " + explain(err) + " "
	}
	charts, refused, err := s.charts(r, sess)
	if err != nil {
		s.cfg.Logger.Error("console: drawing charts", "err", err)
	}
	data.Metrics += refused
	data.Charts = charts
	p.Data = data
	s.render(w, http.StatusOK, "health", sess, p)
}

// healthCharts answers the charts alone, which the page's script puts
// in place of the old ones every few seconds.
func (s *Server) healthCharts(w http.ResponseWriter, r *http.Request, sess *session) {
	charts, refused, err := s.charts(r, sess)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if refused != "" {
		var buf []byte
		buf = append(buf, `<p class="error" role="alert">`...)
		buf = append(buf, template.HTMLEscapeString(refused)...)
		buf = append(buf, "</p>"...)
		w.Write(buf)
	}
	w.Write([]byte(charts))
}

// charts scrapes if due and draws the session's charts; refused says why
// there are none (the identity may not read metrics, say).
func (s *Server) charts(r *http.Request, sess *session) (template.HTML, string, error) {
	ctx, cancel := requestContext(r)
	defer cancel()
	samples, refused := sess.metricsOf().refresh(ctx, sess.admin, s.cfg.Now())
	if len(samples) == 0 {
		return "", refused, nil
	}
	h, err := renderCharts(buildCharts(samples))
	return h, refused, err
}
