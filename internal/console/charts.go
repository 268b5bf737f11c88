package console

import (
	"bytes"
	"cmp"
	"html/template"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/dustin/go-humanize"
)

// A chart is drawn on the server as SVG markup by html/template, so a
// label (a bucket's or a queue's name) is escaped like any other text,
// and no chart library runs in the browser.

// Geometry of a chart, in SVG user units.
const (
	chartWidth   = 560
	plotLeft     = 64
	plotTop      = 8
	plotHeight   = 140
	plotRight    = chartWidth - 8
	legendRow    = 16
	legendMargin = 22
)

// palette colours the series of a chart, in order.
var palette = []string{"#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777"}

// series is one line of a chart: a value per sample, NaN where none.
type series struct {
	Name   string
	Values []float64
}

// chart is what chartTemplate draws.
type chart struct {
	Title string
	// Unit formats the axis and the last values: "bytes", "bytes/s",
	// "/s" or "" (a count).
	Unit   string
	Series []series
}

// drawnSeries and drawnChart are a chart laid out for the template.
type drawnSeries struct {
	Name, Color, Path, Last string
	LegendY, TextY          int
	// EndX and EndY mark the newest point, so that a series of one
	// sample shows too.
	EndX, EndY string
}

type drawnChart struct {
	Title                    string
	Empty                    string
	Width, Height            int
	Left, Top, Right, Bottom int
	PlotWidth, PlotHeight    int
	MaxLabel, MidLabel       string
	MidY                     int
	Series                   []drawnSeries
}

var chartTemplate = template.Must(template.New("charts").Parse(`{{range $c := .}}<figure class="chart">
<figcaption>{{.Title}}</figcaption>
{{- if .Empty}}<p class="muted">{{.Empty}}</p>{{else}}
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{.Width}} {{.Height}}" width="{{.Width}}" height="{{.Height}}" role="img" aria-label="{{.Title}}">
<rect x="{{.Left}}" y="{{.Top}}" width="{{.PlotWidth}}" height="{{.PlotHeight}}" fill="#ffffff" stroke="#d1d5db"/>
<line x1="{{.Left}}" y1="{{.MidY}}" x2="{{.Right}}" y2="{{.MidY}}" stroke="#e5e7eb"/>
<text x="{{.Left}}" dx="-4" y="{{.Top}}" dy="10" text-anchor="end" font-size="11" fill="#6b7280">{{.MaxLabel}}</text>
<text x="{{.Left}}" dx="-4" y="{{.MidY}}" dy="4" text-anchor="end" font-size="11" fill="#6b7280">{{.MidLabel}}</text>
<text x="{{.Left}}" dx="-4" y="{{.Bottom}}" text-anchor="end" font-size="11" fill="#6b7280">0</text>
{{range .Series}}<path d="{{.Path}}" fill="none" stroke="{{.Color}}" stroke-width="1.5"/><circle cx="{{.EndX}}" cy="{{.EndY}}" r="2.5" fill="{{.Color}}"/>
{{end}}{{range .Series}}<rect x="{{$c.Left}}" y="{{.LegendY}}" width="10" height="10" fill="{{.Color}}"/><text x="{{$c.Left}}" dx="16" y="{{.TextY}}" font-size="12" fill="#1d2330">{{.Name}}: {{.Last}}</text>
{{end}}</svg>{{end}}
</figure>
{{end}}`))

// renderCharts is the charts' markup.
func renderCharts(charts []chart) (template.HTML, error) {
	drawn := make([]drawnChart, len(charts))
	for i, c := range charts {
		drawn[i] = draw(c)
	}
	var buf bytes.Buffer
	if err := chartTemplate.Execute(&buf, drawn); err != nil {
		return "", err
	}
	// Made by html/template, which escaped every label.
	return template.HTML(buf.String()), nil
}

// draw lays a chart out: the newest sample at the right edge, each
// sample a sampleLimit-th of the width, the axis from 0 to the largest
// value.
func draw(c chart) drawnChart {
	d := drawnChart{Title: c.Title, Width: chartWidth, Left: plotLeft, Top: plotTop, Right: plotRight,
		Bottom: plotTop + plotHeight, PlotWidth: plotRight - plotLeft, PlotHeight: plotHeight, MidY: plotTop + plotHeight/2}
	top := 0.0
	points := 0
	for _, s := range c.Series {
		for _, v := range s.Values {
			if !math.IsNaN(v) {
				top = max(top, v)
				points++
			}
		}
	}
	if points == 0 {
		d.Empty = "Collecting samples…"
		return d
	}
	if top <= 0 {
		top = 1
	}
	d.MaxLabel, d.MidLabel = formatValue(top, c.Unit), formatValue(top/2, c.Unit)
	step := float64(d.PlotWidth) / float64(sampleLimit-1)
	for i, s := range c.Series {
		var path strings.Builder
		pen := false
		last := math.NaN()
		var endX, endY string
		for j, v := range s.Values {
			if math.IsNaN(v) {
				pen = false
				continue
			}
			x := float64(plotRight) - float64(len(s.Values)-1-j)*step
			y := float64(d.Bottom) - v/top*float64(plotHeight)
			if pen {
				path.WriteString(" L")
			} else {
				path.WriteString(" M")
			}
			endX, endY = strconv.FormatFloat(x, 'f', 1, 64), strconv.FormatFloat(y, 'f', 1, 64)
			path.WriteString(endX + "," + endY)
			pen = true
			last = v
		}
		if path.Len() == 0 {
			continue
		}
		rowY := d.Bottom + legendMargin - 10 + i*legendRow
		lastText := "–"
		if !math.IsNaN(last) {
			lastText = formatValue(last, c.Unit)
		}
		d.Series = append(d.Series, drawnSeries{Name: s.Name, Color: palette[i%len(palette)], Path: strings.TrimSpace(path.String()),
			Last: lastText, LegendY: rowY, TextY: rowY + 9, EndX: endX, EndY: endY})
	}
	d.Height = d.Bottom + legendMargin + len(d.Series)*legendRow
	return d
}

// formatValue writes v in the chart's unit.
func formatValue(v float64, unit string) string {
	switch unit {
	case "bytes":
		return humanize.IBytes(uint64(max(v, 0)))
	case "bytes/s":
		return humanize.IBytes(uint64(max(v, 0))) + "/s"
	case "/s":
		return strconv.FormatFloat(v, 'f', decimals(v), 64) + "/s"
	}
	return strconv.FormatFloat(v, 'f', decimals(v), 64)
}

// decimals shows small values with a decimal or two and large ones
// whole.
func decimals(v float64) int {
	switch {
	case v == math.Trunc(v), v >= 100:
		return 0
	case v >= 1:
		return 1
	}
	return 2
}

// buildCharts turns the samples, oldest first, into the health page's
// charts.
func buildCharts(samples []sample) []chart {
	rates := func(value func(sample) float64) []float64 {
		out := make([]float64, len(samples))
		for i := range samples {
			out[i] = math.NaN()
			if i > 0 {
				out[i] = perSecond(samples[i-1], samples[i], value)
			}
		}
		return out
	}
	gauge := func(value func(sample) float64) []float64 {
		out := make([]float64, len(samples))
		for i, s := range samples {
			out[i] = value(s)
		}
		return out
	}
	keyed := func(field func(sample) map[string]float64, name string) []float64 {
		return gauge(func(s sample) float64 {
			if v, ok := field(s)[name]; ok {
				return v
			}
			return math.NaN()
		})
	}
	var requests []series
	for _, class := range largestLast(samples, func(s sample) map[string]float64 { return s.requests }, len(palette)) {
		requests = append(requests, series{class, rates(func(s sample) float64 { return s.requests[class] })})
	}
	var buckets, queues []series
	for _, b := range largestLast(samples, func(s sample) map[string]float64 { return s.buckets }, seriesLimit) {
		buckets = append(buckets, series{b, keyed(func(s sample) map[string]float64 { return s.buckets }, b)})
	}
	for _, q := range largestLast(samples, func(s sample) map[string]float64 { return s.queues }, seriesLimit) {
		queues = append(queues, series{q, keyed(func(s sample) map[string]float64 { return s.queues }, q)})
	}
	storage := []series{}
	if len(samples) > 0 && samples[len(samples)-1].storage {
		storage = []series{{"used", gauge(func(s sample) float64 { return s.used })}, {"free", gauge(func(s sample) float64 { return s.free })}}
	}
	return []chart{
		{Title: "Requests per second, by class", Unit: "/s", Series: requests},
		{Title: "Errors per second", Unit: "/s", Series: []series{{"errors", rates(func(s sample) float64 { return s.errors })}}},
		{Title: "Bytes in and out per second", Unit: "bytes/s", Series: []series{
			{"in", rates(func(s sample) float64 { return s.received })}, {"out", rates(func(s sample) float64 { return s.sent })}}},
		{Title: "Requests in flight", Series: []series{{"in flight", gauge(func(s sample) float64 { return s.inFlight })}}},
		{Title: "Storage", Unit: "bytes", Series: storage},
		{Title: "Objects per bucket (largest " + strconv.Itoa(seriesLimit) + ")", Series: buckets},
		{Title: "Queues: items pending (largest " + strconv.Itoa(seriesLimit) + ")", Series: queues},
	}
}

// largestLast names the n keys of field with the largest values in the
// last sample, largest first (ties by name).
func largestLast(samples []sample, field func(sample) map[string]float64, n int) []string {
	if len(samples) == 0 {
		return nil
	}
	last := field(samples[len(samples)-1])
	names := slices.Collect(maps.Keys(last))
	slices.SortFunc(names, func(a, b string) int {
		if c := cmp.Compare(last[b], last[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return names[:min(n, len(names))]
}
