package console

import (
	"bytes"
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
	// Info is why the server's information is missing.
	InfoError string
	// Charts are the charts, after why they could not be refreshed.
	Charts template.HTML
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
		data.InfoError = "Server information: " + describe(err)
	}
	charts, err := s.charts(r, sess)
	if err != nil {
		s.cfg.Logger.Error("console: drawing charts", "err", err)
		p.Error = joinErrors(p.Error, "The charts could not be drawn.")
	}
	data.Charts = charts
	p.Data = data
	s.render(w, http.StatusOK, "health", sess, p)
}

// healthCharts answers the charts alone, which the page's script puts
// in place of the old ones every few seconds.
func (s *Server) healthCharts(w http.ResponseWriter, r *http.Request, sess *session) {
	charts, err := s.charts(r, sess)
	if err != nil {
		s.cfg.Logger.Error("console: drawing charts", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(charts))
}

// refusalTemplate shows why there are no fresh charts.
var refusalTemplate = template.Must(template.New("refusal").Parse(`<p class="error metrics-refused" role="alert">{{.}}</p>`))

// charts scrapes if due and draws the session's charts, after the
// reason the last scrape failed (the identity may not read metrics,
// say): the same markup for the page and for its script's refreshes.
func (s *Server) charts(r *http.Request, sess *session) (template.HTML, error) {
	ctx, cancel := requestContext(r)
	defer cancel()
	samples, refused := sess.metricsOf().refresh(ctx, sess.admin, s.cfg.Now())
	var buf bytes.Buffer
	if refused != "" {
		if err := refusalTemplate.Execute(&buf, refused); err != nil {
			return "", err
		}
	}
	if len(samples) > 0 {
		h, err := renderCharts(buildCharts(samples))
		if err != nil {
			return "", err
		}
		buf.WriteString(string(h))
	}
	// Made by html/template, which escaped every value.
	return template.HTML(buf.String()), nil
}
