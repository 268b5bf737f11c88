package lifecycle

import (
	"fmt"
	"strings"
	"testing"
	"time"

	wire "github.com/kurastore/kura/wire/lifecycle"
)

const day = 24 * time.Hour

// compile parses and validates a LifecycleConfiguration made of rules
// (the <Rule> elements), and compiles it.
func compile(t testing.TB, minSize MinSize, rules string) *Rules {
	t.Helper()
	cfg, err := wire.Parse(strings.NewReader("<LifecycleConfiguration>" + rules + "</LifecycleConfiguration>"))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("validate: %v", err)
	}
	return Compile(cfg, minSize)
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDayAfter(t *testing.T) {
	cases := []struct {
		t    string
		n    int
		day  time.Duration
		want string
	}{
		{"2026-03-10T00:00:00Z", 0, day, "2026-03-10T00:00:00Z"},
		{"2026-03-10T00:00:00.000000001Z", 0, day, "2026-03-11T00:00:00Z"},
		{"2026-03-09T23:59:59.999999999Z", 0, day, "2026-03-10T00:00:00Z"},
		{"2026-03-10T00:00:00Z", 1, day, "2026-03-11T00:00:00Z"},
		{"2026-03-10T15:30:00Z", 1, day, "2026-03-12T00:00:00Z"},
		{"2026-03-10T15:30:00Z", 30, day, "2026-04-10T00:00:00Z"},
		// Midnight UTC, whatever zone the time is in.
		{"2026-03-10T15:30:00+09:00", 1, day, "2026-03-12T00:00:00Z"},
		{"2026-03-10T08:30:00+09:00", 1, day, "2026-03-11T00:00:00Z"},
		{"1969-12-31T12:00:00Z", 0, day, "1970-01-01T00:00:00Z"},
		// Short days for tests: multiples of the day since the epoch.
		{"1970-01-01T00:00:15Z", 1, 10 * time.Second, "1970-01-01T00:00:30Z"},
		{"1970-01-01T00:00:20Z", 1, 10 * time.Second, "1970-01-01T00:00:30Z"},
		// 7s does not divide the span from year 1 to 1970.
		{"1970-01-01T00:00:00Z", 0, 7 * time.Second, "1970-01-01T00:00:00Z"},
		{"1970-01-01T00:00:01Z", 0, 7 * time.Second, "1970-01-01T00:00:07Z"},
		{"1970-01-01T00:00:07Z", 0, 7 * time.Second, "1970-01-01T00:00:07Z"},
		{"1970-01-01T00:00:08Z", 1, 7 * time.Second, "1970-01-01T00:00:21Z"},
		{"2026-03-10T15:30:00.5Z", 2, 7 * time.Second, "2026-03-10T15:30:16Z"},
		{"2026-03-10T15:30:00Z", 0, 0, "2026-03-11T00:00:00Z"},
		{"2026-03-10T15:30:00Z", -3, day, "2026-03-11T00:00:00Z"},
		// Past what a Duration spans.
		{"2026-03-10T15:30:00Z", 106751, day, "2318-06-20T00:00:00Z"},
		{"2026-03-10T15:30:00Z", 106752, day, "9999-12-31T00:00:00Z"},
		{"2026-03-10T15:30:00Z", 1 << 40, day, "9999-12-31T00:00:00Z"},
	}
	for _, c := range cases {
		got := DayAfter(date(c.t), c.n, c.day)
		if !got.Equal(date(c.want)) || got.Location() != time.UTC {
			t.Errorf("DayAfter(%s, %d, %s) = %s, want %s", c.t, c.n, c.day, got.Format(time.RFC3339Nano), c.want)
		}
	}
}

// modTime is when the versions of the tests were written: due dates of
// n days are midnight of n+1 days later.
var modTime = date("2026-03-10T15:30:00Z")

func after(days int) time.Time { return DayAfter(modTime, days, day) }

const ns = time.Nanosecond

func obj(key string, size int64) Version {
	return Version{Key: key, Size: size, ModTime: modTime, IsLatest: true}
}

func tagged(v Version, kv ...string) Version {
	v.Tags = map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		v.Tags[kv[i]] = kv[i+1]
	}
	return v
}

func noncurrent(key string, size int64, newer int) Version {
	return Version{Key: key, Size: size, ModTime: modTime.Add(-48 * time.Hour), NoncurrentSince: modTime, NewerNoncurrent: newer}
}

func marker(key string, only bool) Version {
	return Version{Key: key, ModTime: modTime, IsLatest: true, DeleteMarker: true, OnlyVersion: only}
}

func onTier(v Version, class string) Version { v.StorageClass = class; return v }

const big = 1 << 20

func expire(id string) Action     { return Action{Kind: Expire, RuleID: id} }
func delVersion(id string) Action { return Action{Kind: DeleteVersion, RuleID: id} }
func delMarker(id string) Action  { return Action{Kind: DeleteMarker, RuleID: id} }
func move(id, class string) Action {
	return Action{Kind: Transition, RuleID: id, StorageClass: class}
}

func TestEvaluate(t *testing.T) {
	const (
		expire1       = `<Rule><ID>e1</ID><Status>Enabled</Status><Filter></Filter><Expiration><Days>1</Days></Expiration></Rule>`
		expireDate    = `<Rule><ID>ed</ID><Status>Enabled</Status><Filter/><Expiration><Date>2026-06-01T00:00:00Z</Date></Expiration></Rule>`
		markers       = `<Rule><ID>m</ID><Status>Enabled</Status><Filter/><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>`
		noncurrent2   = `<Rule><ID>nc</ID><Status>Enabled</Status><Filter/><NoncurrentVersionExpiration><NoncurrentDays>2</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>`
		transition30  = `<Rule><ID>t</ID><Status>Enabled</Status><Filter/><Transition><Days>30</Days><StorageClass>COLD</StorageClass></Transition></Rule>`
		chain         = `<Rule><ID>c</ID><Status>Enabled</Status><Filter/><Transition><Days>30</Days><StorageClass>WARM</StorageClass></Transition><Transition><Days>90</Days><StorageClass>COLD</StorageClass></Transition></Rule>`
		expireAndMove = `<Rule><ID>x</ID><Status>Enabled</Status><Filter/><Expiration><Days>60</Days></Expiration><Transition><Days>30</Days><StorageClass>COLD</StorageClass></Transition></Rule>`
	)
	cases := []struct {
		name    string
		minSize MinSize
		rules   string
		v       Version
		now     time.Time
		want    Action
	}{
		{"expire days: one ns before", "", expire1, obj("k", 1), after(1).Add(-ns), Action{}},
		{"expire days: at", "", expire1, obj("k", 1), after(1), expire("e1")},
		{"expire days: later", "", expire1, obj("k", 1), after(400), expire("e1")},
		{"disabled rule", "", strings.Replace(expire1, "Enabled", "Disabled", 1), obj("k", 1), after(5), Action{}},
		{"expire date: one ns before", "", expireDate, obj("k", 1), date("2026-06-01T00:00:00Z").Add(-ns), Action{}},
		{"expire date: at", "", expireDate, obj("k", 1), date("2026-06-01T00:00:00Z"), expire("ed")},
		{"expire date: written after it", "", expireDate, func() Version { v := obj("k", 1); v.ModTime = date("2026-07-01T00:00:00Z"); return v }(), date("2026-07-01T00:00:01Z"), expire("ed")},

		// Filters.
		{"legacy prefix: match", "", `<Rule><ID>p</ID><Prefix>logs/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, obj("logs/a", 1), after(1), expire("p")},
		{"legacy prefix: other key", "", `<Rule><ID>p</ID><Prefix>logs/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, obj("log", 1), after(1), Action{}},
		{"legacy empty prefix", "", `<Rule><ID>p</ID><Prefix></Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, obj("any", 1), after(1), expire("p")},
		{"filter prefix: match", "", `<Rule><ID>p</ID><Filter><Prefix>a/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, obj("a/b", 1), after(1), expire("p")},
		{"filter prefix: other", "", `<Rule><ID>p</ID><Filter><Prefix>a/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, obj("b/a/", 1), after(1), Action{}},
		{"tag: match", "", tagRule, tagged(obj("k", 1), "env", "dev", "x", "y"), after(1), expire("tag")},
		{"tag: other value", "", tagRule, tagged(obj("k", 1), "env", "prod"), after(1), Action{}},
		{"tag: missing", "", tagRule, obj("k", 1), after(1), Action{}},
		{"greater than: equal", "", `<Rule><ID>g</ID><Filter><ObjectSizeGreaterThan>100</ObjectSizeGreaterThan></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, obj("k", 100), after(1), Action{}},
		{"greater than: one more", "", `<Rule><ID>g</ID><Filter><ObjectSizeGreaterThan>100</ObjectSizeGreaterThan></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, obj("k", 101), after(1), expire("g")},
		{"greater than 0: empty object", "", `<Rule><ID>g</ID><Filter><ObjectSizeGreaterThan>0</ObjectSizeGreaterThan></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, obj("k", 0), after(1), Action{}},
		{"less than: equal", "", `<Rule><ID>l</ID><Filter><ObjectSizeLessThan>100</ObjectSizeLessThan></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, obj("k", 100), after(1), Action{}},
		{"less than: one less", "", `<Rule><ID>l</ID><Filter><ObjectSizeLessThan>100</ObjectSizeLessThan></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, obj("k", 99), after(1), expire("l")},
		{"and: all hold", "", andRule, tagged(obj("docs/k", 50), "a", "1", "b", "2"), after(1), expire("and")},
		{"and: one tag missing", "", andRule, tagged(obj("docs/k", 50), "a", "1"), after(1), Action{}},
		{"and: prefix", "", andRule, tagged(obj("doc/k", 50), "a", "1", "b", "2"), after(1), Action{}},
		{"and: at the lower size", "", andRule, tagged(obj("docs/k", 10), "a", "1", "b", "2"), after(1), Action{}},
		{"and: at the upper size", "", andRule, tagged(obj("docs/k", 100), "a", "1", "b", "2"), after(1), Action{}},

		// Delete markers.
		{"expired delete marker", "", markers, marker("k", true), modTime, delMarker("m")},
		{"delete marker with versions", "", markers, marker("k", false), after(100), Action{}},
		{"delete marker, size filter", "", `<Rule><ID>m</ID><Status>Enabled</Status><Filter><ObjectSizeLessThan>10</ObjectSizeLessThan></Filter><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>`, marker("k", true), after(1), Action{}},
		{"delete marker, expiration days: one ns before", "", expire1, marker("k", true), after(1).Add(-ns), Action{}},
		{"delete marker, expiration days: at", "", expire1, marker("k", true), after(1), delMarker("e1")},
		{"delete marker with versions, expiration days", "", expire1, marker("k", false), after(10), Action{}},
		{"delete marker, expiration date", "", expireDate, marker("k", true), date("2026-07-01T00:00:00Z"), Action{}},
		{"delete marker, tag filter", "", tagRule, marker("k", true), after(10), Action{}},

		// Noncurrent versions.
		{"noncurrent: one ns before", "", noncurrent2, noncurrent("k", 1, 2), after(2).Add(-ns), Action{}},
		{"noncurrent: at", "", noncurrent2, noncurrent("k", 1, 2), after(2), delVersion("nc")},
		{"noncurrent: one of the newest kept", "", noncurrent2, noncurrent("k", 1, 1), after(20), Action{}},
		{"noncurrent: older than those kept", "", noncurrent2, noncurrent("k", 1, 3), after(20), delVersion("nc")},
		{"noncurrent delete marker", "", noncurrent2, func() Version { v := noncurrent("k", 0, 2); v.DeleteMarker = true; return v }(), after(2), delVersion("nc")},
		{"noncurrent without since", "", noncurrent2, func() Version { v := noncurrent("k", 1, 2); v.NoncurrentSince = time.Time{}; return v }(), after(20), Action{}},
		{"current version, noncurrent rule", "", noncurrent2, obj("k", 1), after(20), Action{}},
		{"noncurrent version, current rule", "", expire1, noncurrent("k", 1, 0), after(20), Action{}},

		// Transitions.
		{"transition: one ns before", "", transition30, obj("k", big), after(30).Add(-ns), Action{}},
		{"transition: at", "", transition30, obj("k", big), after(30), move("t", "COLD")},
		{"transition: 128 KiB", "", transition30, obj("k", 128<<10), after(30), move("t", "COLD")},
		{"transition: under 128 KiB", "", transition30, obj("k", 128<<10-1), after(300), Action{}},
		{"transition: under 128 KiB, by class", MinSizeByClass, transition30, obj("k", 1), after(30), move("t", "COLD")},
		{"transition: under 128 KiB, size filter", "", `<Rule><ID>s</ID><Status>Enabled</Status><Filter><ObjectSizeGreaterThan>0</ObjectSizeGreaterThan></Filter><Transition><Days>30</Days><StorageClass>COLD</StorageClass></Transition></Rule>`, obj("k", 1), after(30), move("s", "COLD")},
		{"transition: already on a tier", "", transition30, onTier(obj("k", big), "WARM"), after(300), Action{}},
		{"transition: already there", "", transition30, onTier(obj("k", big), "COLD"), after(300), Action{}},
		{"transition: STANDARD named", "", transition30, onTier(obj("k", big), "STANDARD"), after(30), move("t", "COLD")},
		{"transition days 0: before midnight", "", `<Rule><ID>z</ID><Status>Enabled</Status><Filter/><Transition><Days>0</Days><StorageClass>COLD</StorageClass></Transition></Rule>`, obj("k", big), after(0).Add(-ns), Action{}},
		{"transition days 0: midnight", "", `<Rule><ID>z</ID><Status>Enabled</Status><Filter/><Transition><Days>0</Days><StorageClass>COLD</StorageClass></Transition></Rule>`, obj("k", big), after(0), move("z", "COLD")},
		{"transition date: one ns before", "", transitionDate, obj("k", big), date("2026-05-01T00:00:00Z").Add(-ns), Action{}},
		{"transition date: at", "", transitionDate, obj("k", big), date("2026-05-01T00:00:00Z"), move("td", "COLD")},
		{"chain: first step", "", chain, obj("k", big), after(89), move("c", "WARM")},
		{"chain: last step", "", chain, obj("k", big), after(90), move("c", "COLD")},
		{"delete marker never moves", "", transition30, marker("k", true), after(300), Action{}},
		{"expiration before transition", "", expireAndMove, obj("k", big), after(59), move("x", "COLD")},
		{"expiration wins", "", expireAndMove, obj("k", big), after(60), expire("x")},
		{"noncurrent transition: at", "", ncTransition, noncurrent("k", big, 1), after(5), move("nt", "COLD")},
		{"noncurrent transition: one ns before", "", ncTransition, noncurrent("k", big, 1), after(5).Add(-ns), Action{}},
		{"noncurrent transition: newest kept", "", ncTransition, noncurrent("k", big, 0), after(50), Action{}},
		{"noncurrent transition: small", "", ncTransition, noncurrent("k", 10, 1), after(50), Action{}},
		{"noncurrent transition: on a tier", "", ncTransition, onTier(noncurrent("k", big, 1), "COLD"), after(50), Action{}},
		{"noncurrent transition: delete marker", "", ncTransition, func() Version { v := noncurrent("k", 0, 1); v.DeleteMarker = true; return v }(), after(50), Action{}},

		// Several rules.
		{"first expiration named", "", expire1 + expireDate, obj("k", 1), date("2026-07-01T00:00:00Z"), expire("e1")},
		{"first expiration named, other order", "", expireDate + expire1, obj("k", 1), date("2026-07-01T00:00:00Z"), expire("e1")},
		{"expiration of another rule wins", "", transition30 + strings.Replace(expire1, "<Days>1</Days>", "<Days>40</Days>", 1), obj("k", big), after(40), expire("e1")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := compile(t, c.minSize, c.rules)
			if got := r.Evaluate(c.v, c.now, day); got != c.want {
				t.Errorf("Evaluate at %s = %+v, want %+v", c.now.Format(time.RFC3339Nano), got, c.want)
			}
		})
	}
}

const (
	tagRule        = `<Rule><ID>tag</ID><Status>Enabled</Status><Filter><Tag><Key>env</Key><Value>dev</Value></Tag></Filter><Expiration><Days>1</Days></Expiration></Rule>`
	andRule        = `<Rule><ID>and</ID><Status>Enabled</Status><Filter><And><Prefix>docs/</Prefix><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value>2</Value></Tag><ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>100</ObjectSizeLessThan></And></Filter><Expiration><Days>1</Days></Expiration></Rule>`
	transitionDate = `<Rule><ID>td</ID><Status>Enabled</Status><Filter/><Transition><Date>2026-05-01T00:00:00Z</Date><StorageClass>COLD</StorageClass></Transition></Rule>`
	ncTransition   = `<Rule><ID>nt</ID><Status>Enabled</Status><Filter/><NoncurrentVersionTransition><NoncurrentDays>5</NoncurrentDays><StorageClass>COLD</StorageClass><NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionTransition></Rule>`
)

// With days of a few seconds, Days count short days from the version's
// time while a Date keeps meaning its wall-clock instant.
func TestEvaluateShortDays(t *testing.T) {
	const short = 10 * time.Second
	r := compile(t, "", `<Rule><ID>d</ID><Status>Enabled</Status><Filter><Prefix>d/</Prefix></Filter><Expiration><Days>3</Days></Expiration></Rule>`+
		`<Rule><ID>date</ID><Status>Enabled</Status><Filter><Prefix>t/</Prefix></Filter><Expiration><Date>2026-06-01T00:00:00Z</Date></Expiration></Rule>`)
	written := date("2026-03-10T15:30:05Z")
	due := date("2026-03-10T15:30:40Z")
	if got := r.Evaluate(Version{Key: "d/k", ModTime: written, IsLatest: true}, due.Add(-ns), short); got.Kind != None {
		t.Errorf("one ns before %s: %+v", due, got)
	}
	if got := r.Evaluate(Version{Key: "d/k", ModTime: written, IsLatest: true}, due, short); got != expire("d") {
		t.Errorf("at %s: %+v", due, got)
	}
	dated := date("2026-06-01T00:00:00Z")
	if got := r.Evaluate(Version{Key: "t/k", ModTime: written, IsLatest: true}, dated.Add(-ns), short); got.Kind != None {
		t.Errorf("one ns before the date: %+v", got)
	}
	if got := r.Evaluate(Version{Key: "t/k", ModTime: written, IsLatest: true}, dated, short); got != expire("date") {
		t.Errorf("at the date: %+v", got)
	}
}

func TestExpiration(t *testing.T) {
	r := compile(t, "", `<Rule><ID>week</ID><Status>Enabled</Status><Filter><Prefix>tmp/</Prefix></Filter><Expiration><Days>7</Days></Expiration></Rule>`+
		`<Rule><ID>day</ID><Status>Enabled</Status><Filter><Prefix>tmp/now/</Prefix></Filter><Expiration><Days>1</Days></Expiration></Rule>`+
		`<Rule><ID>dated</ID><Status>Enabled</Status><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Expiration><Date>2027-01-01T00:00:00Z</Date></Expiration></Rule>`+
		`<Rule><ID>markers</ID><Status>Enabled</Status><Filter/><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>`+
		`<Rule><ID>old</ID><Status>Enabled</Status><Filter/><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration><Transition><Days>1</Days><StorageClass>COLD</StorageClass></Transition></Rule>`+
		`<Rule><ID>off</ID><Status>Disabled</Status><Filter/><Expiration><Days>1</Days></Expiration></Rule>`)
	cases := []struct {
		name string
		v    Version
		at   time.Time
		id   string
	}{
		{"days", obj("tmp/a", 1), after(7), "week"},
		{"the first of two", obj("tmp/now/a", 1), after(1), "day"},
		{"date", tagged(obj("a", 1), "k", "v"), date("2027-01-01T00:00:00Z"), "dated"},
		{"date later than days", tagged(obj("tmp/a", 1), "k", "v"), after(7), "week"},
		{"no expiring rule", obj("a", 1), time.Time{}, ""},
		{"delete marker", marker("tmp/a", true), time.Time{}, ""},
		{"noncurrent", noncurrent("tmp/a", 1, 0), time.Time{}, ""},
	}
	for _, c := range cases {
		at, id, ok := r.Expiration(c.v, day)
		if ok != (c.id != "") || id != c.id || !at.Equal(c.at) {
			t.Errorf("%s: %s %q %v, want %s %q", c.name, at, id, ok, c.at, c.id)
		}
	}
}

func TestAbortUpload(t *testing.T) {
	r := compile(t, "", `<Rule><ID>all</ID><Status>Enabled</Status><Filter/><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`+
		`<Rule><ID>fast</ID><Status>Enabled</Status><Filter><Prefix>tmp/</Prefix></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`+
		`<Rule><ID>sized</ID><Status>Enabled</Status><Filter><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`)
	if !r.HasAbort() {
		t.Error("HasAbort: false")
	}
	for _, c := range []struct {
		key string
		at  time.Time
		id  string
	}{
		{"a", after(7), "all"},
		{"tmp/a", after(1), "fast"},
	} {
		at, id, ok := r.AbortUpload(c.key, modTime, day)
		if !ok || id != c.id || !at.Equal(c.at) {
			t.Errorf("%s: %s %q %v, want %s %q", c.key, at, id, ok, c.at, c.id)
		}
	}
	none := compile(t, "", `<Rule><ID>p</ID><Status>Enabled</Status><Filter><Prefix>tmp/</Prefix></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`+
		`<Rule><ID>e</ID><Status>Enabled</Status><Filter/><Expiration><Days>1</Days></Expiration></Rule>`)
	if _, _, ok := none.AbortUpload("other", modTime, day); ok {
		t.Error("an upload outside the prefix is aborted")
	}
	if compile(t, "", `<Rule><ID>e</ID><Status>Enabled</Status><Filter/><Expiration><Days>1</Days></Expiration></Rule>`).HasAbort() {
		t.Error("HasAbort without an abort rule")
	}
}

func TestStored(t *testing.T) {
	cfg, err := wire.Parse(strings.NewReader(`<LifecycleConfiguration><Rule><ID>e</ID><Status>Enabled</Status><Filter/><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []MinSize{"", MinSize128K, MinSizeByClass} {
		stored, err := EncodeStored(cfg, m)
		if err != nil {
			t.Fatal(err)
		}
		doc, mode, err := DecodeStored(stored)
		want := m
		if want == "" {
			want = MinSize128K
		}
		if err != nil || mode != want || !strings.HasPrefix(string(doc), "<LifecycleConfiguration") {
			t.Errorf("%q: %q %q %v", m, doc, mode, err)
		}
		r, err := Parse(stored)
		if err != nil || r.MinSize() != want {
			t.Fatalf("Parse %q: %v", m, err)
		}
		if got := r.Evaluate(obj("k", 1), after(1), day); got != expire("e") {
			t.Errorf("parsed rules: %+v", got)
		}
	}
	if _, err := EncodeStored(cfg, "tiny"); err == nil {
		t.Error("EncodeStored of an unknown mode")
	}
	for _, bad := range []string{"", "<LifecycleConfiguration/>", "tiny\n<LifecycleConfiguration/>", "all_storage_classes_128K\n<Nope"} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}

// manyRules are n rules on distinct prefixes, each expiring, moving and
// aborting, with a tag filter on every other one.
func manyRules(n int) string {
	var b strings.Builder
	for i := range n {
		filter := fmt.Sprintf("<Prefix>p%d/</Prefix>", i)
		if i%2 == 1 {
			filter = fmt.Sprintf("<And><Prefix>p%d/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And>", i)
		}
		fmt.Fprintf(&b, `<Rule><ID>r%d</ID><Status>Enabled</Status><Filter>%s</Filter><Expiration><Days>%d</Days></Expiration><Transition><Days>1</Days><StorageClass>COLD</StorageClass></Transition><NoncurrentVersionExpiration><NoncurrentDays>3</NoncurrentDays></NoncurrentVersionExpiration></Rule>`, i, filter, i+10)
	}
	return b.String()
}

// The scanner evaluates every version: when no rule selects it, that
// costs no allocation, and neither does an action.
func TestEvaluateDoesNotAllocate(t *testing.T) {
	r := compile(t, "", manyRules(100))
	for _, v := range []Version{obj("nothing/k", big), tagged(obj("p1/k", big), "k", "v"), obj("p2/k", big), noncurrent("p4/k", 1, 0)} {
		allocs := testing.AllocsPerRun(100, func() { r.Evaluate(v, after(20), day) })
		if allocs != 0 {
			t.Errorf("%s: %v allocations", v.Key, allocs)
		}
	}
	if got := r.Evaluate(obj("p2/k", big), after(12), day); got != expire("r2") {
		t.Errorf("p2/k: %+v", got)
	}
}

func BenchmarkEvaluate(b *testing.B) {
	r := compile(b, "", manyRules(1000))
	now := after(20)
	for _, c := range []struct {
		name string
		v    Version
	}{
		{"no match", obj("nothing/k", big)},
		{"match", tagged(obj("p999/k", big), "k", "v")},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.Evaluate(c.v, now, day)
			}
		})
	}
}
