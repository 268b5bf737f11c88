package lifecycle

import (
	"fmt"
	"strings"
	"testing"
	"time"

	wire "github.com/kurastore/kura/wire/lifecycle"
)

const stdDay = 24 * time.Hour

// compileRules parses and validates a LifecycleConfiguration made of rules
// (the <Rule> elements), and compiles it.
func compileRules(t testing.TB, minSize MinSize, rules string) *Rules {
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

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDayAfter(t *testing.T) {
	cases := []struct {
		t      string
		n      int
		stdDay time.Duration
		want   string
	}{
		{"2026-03-10T00:00:00Z", 0, stdDay, "2026-03-10T00:00:00Z"},
		{"2026-03-10T00:00:00.000000001Z", 0, stdDay, "2026-03-11T00:00:00Z"},
		{"2026-03-09T23:59:59.999999999Z", 0, stdDay, "2026-03-10T00:00:00Z"},
		{"2026-03-10T00:00:00Z", 1, stdDay, "2026-03-11T00:00:00Z"},
		{"2026-03-10T15:30:00Z", 1, stdDay, "2026-03-12T00:00:00Z"},
		{"2026-03-10T15:30:00Z", 30, stdDay, "2026-04-10T00:00:00Z"},
		// Midnight UTC, whatever zone the time is in.
		{"2026-03-10T15:30:00+09:00", 1, stdDay, "2026-03-12T00:00:00Z"},
		{"2026-03-10T08:30:00+09:00", 1, stdDay, "2026-03-11T00:00:00Z"},
		{"1969-12-31T12:00:00Z", 0, stdDay, "1970-01-01T00:00:00Z"},
		// Short days for tests: multiples of the stdDay since the epoch.
		{"1970-01-01T00:00:15Z", 1, 10 * time.Second, "1970-01-01T00:00:30Z"},
		{"1970-01-01T00:00:20Z", 1, 10 * time.Second, "1970-01-01T00:00:30Z"},
		// 7s does not divide the span from year 1 to 1970.
		{"1970-01-01T00:00:00Z", 0, 7 * time.Second, "1970-01-01T00:00:00Z"},
		{"1970-01-01T00:00:01Z", 0, 7 * time.Second, "1970-01-01T00:00:07Z"},
		{"1970-01-01T00:00:07Z", 0, 7 * time.Second, "1970-01-01T00:00:07Z"},
		{"1970-01-01T00:00:08Z", 1, 7 * time.Second, "1970-01-01T00:00:21Z"},
		{"2026-03-10T15:30:00.5Z", 2, 7 * time.Second, "2026-03-10T15:30:16Z"},
		{"2026-03-10T15:30:00Z", 0, 0, "2026-03-11T00:00:00Z"},
		{"2026-03-10T15:30:00Z", -3, stdDay, "2026-03-11T00:00:00Z"},
		// Past what a Duration spans.
		{"2026-03-10T15:30:00Z", 106751, stdDay, "2318-06-20T00:00:00Z"},
		{"2026-03-10T15:30:00Z", 106752, stdDay, "9999-12-31T00:00:00Z"},
		{"2026-03-10T15:30:00Z", 1 << 40, stdDay, "9999-12-31T00:00:00Z"},
	}
	for _, c := range cases {
		got := DayAfter(mustTime(c.t), c.n, c.stdDay)
		if !got.Equal(mustTime(c.want)) || got.Location() != time.UTC {
			t.Errorf("DayAfter(%s, %d, %s) = %s, want %s", c.t, c.n, c.stdDay, got.Format(time.RFC3339Nano), c.want)
		}
	}
}

// writtenAt is when the versions of the tests were written: due dates of
// n days are midnight of n+1 days later.
var writtenAt = mustTime("2026-03-10T15:30:00Z")

func dueAfter(days int) time.Time { return DayAfter(writtenAt, days, stdDay) }

const oneNS = time.Nanosecond

func current(key string, size int64) Version {
	return Version{Key: key, Size: size, ModTime: writtenAt, IsLatest: true}
}

func withTags(v Version, kv ...string) Version {
	v.Tags = map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		v.Tags[kv[i]] = kv[i+1]
	}
	return v
}

func noncurrentVersion(key string, size int64, newer int) Version {
	return Version{Key: key, Size: size, ModTime: writtenAt.Add(-48 * time.Hour), NoncurrentSince: writtenAt, NewerNoncurrent: newer}
}

func deleteMarker(key string, only bool) Version {
	return Version{Key: key, ModTime: writtenAt, IsLatest: true, DeleteMarker: true, OnlyVersion: only}
}

func onTier(v Version, class string) Version { v.StorageClass = class; return v }

const bigSize = 1 << 20

func expireBy(id string) Action        { return Action{Kind: Expire, RuleID: id} }
func deleteVersionBy(id string) Action { return Action{Kind: DeleteVersion, RuleID: id} }
func deleteMarkerBy(id string) Action  { return Action{Kind: DeleteMarker, RuleID: id} }
func transitionTo(id, class string) Action {
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
		{"expire days: one oneNS before", "", expire1, current("k", 1), dueAfter(1).Add(-oneNS), Action{}},
		{"expire days: at", "", expire1, current("k", 1), dueAfter(1), expireBy("e1")},
		{"expire days: later", "", expire1, current("k", 1), dueAfter(400), expireBy("e1")},
		{"disabled rule", "", strings.Replace(expire1, "Enabled", "Disabled", 1), current("k", 1), dueAfter(5), Action{}},
		{"expire date: one oneNS before", "", expireDate, current("k", 1), mustTime("2026-06-01T00:00:00Z").Add(-oneNS), Action{}},
		{"expire date: at", "", expireDate, current("k", 1), mustTime("2026-06-01T00:00:00Z"), expireBy("ed")},
		{"expire date: written after it", "", expireDate, func() Version { v := current("k", 1); v.ModTime = mustTime("2026-07-01T00:00:00Z"); return v }(), mustTime("2026-07-01T00:00:01Z"), expireBy("ed")},

		// Filters.
		{"legacy prefix: match", "", `<Rule><ID>p</ID><Prefix>logs/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, current("logs/a", 1), dueAfter(1), expireBy("p")},
		{"legacy prefix: other key", "", `<Rule><ID>p</ID><Prefix>logs/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, current("log", 1), dueAfter(1), Action{}},
		{"legacy empty prefix", "", `<Rule><ID>p</ID><Prefix></Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, current("any", 1), dueAfter(1), expireBy("p")},
		{"filter prefix: match", "", `<Rule><ID>p</ID><Filter><Prefix>a/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, current("a/b", 1), dueAfter(1), expireBy("p")},
		{"filter prefix: other", "", `<Rule><ID>p</ID><Filter><Prefix>a/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, current("b/a/", 1), dueAfter(1), Action{}},
		{"tag: match", "", tagRule, withTags(current("k", 1), "env", "dev", "x", "y"), dueAfter(1), expireBy("tag")},
		{"tag: other value", "", tagRule, withTags(current("k", 1), "env", "prod"), dueAfter(1), Action{}},
		{"tag: missing", "", tagRule, current("k", 1), dueAfter(1), Action{}},
		{"greater than: equal", "", `<Rule><ID>g</ID><Filter><ObjectSizeGreaterThan>100</ObjectSizeGreaterThan></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, current("k", 100), dueAfter(1), Action{}},
		{"greater than: one more", "", `<Rule><ID>g</ID><Filter><ObjectSizeGreaterThan>100</ObjectSizeGreaterThan></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, current("k", 101), dueAfter(1), expireBy("g")},
		{"greater than 0: empty object", "", `<Rule><ID>g</ID><Filter><ObjectSizeGreaterThan>0</ObjectSizeGreaterThan></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, current("k", 0), dueAfter(1), Action{}},
		{"less than: equal", "", `<Rule><ID>l</ID><Filter><ObjectSizeLessThan>100</ObjectSizeLessThan></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, current("k", 100), dueAfter(1), Action{}},
		{"less than: one less", "", `<Rule><ID>l</ID><Filter><ObjectSizeLessThan>100</ObjectSizeLessThan></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`, current("k", 99), dueAfter(1), expireBy("l")},
		{"and: all hold", "", andRule, withTags(current("docs/k", 50), "a", "1", "b", "2"), dueAfter(1), expireBy("and")},
		{"and: one tag missing", "", andRule, withTags(current("docs/k", 50), "a", "1"), dueAfter(1), Action{}},
		{"and: prefix", "", andRule, withTags(current("doc/k", 50), "a", "1", "b", "2"), dueAfter(1), Action{}},
		{"and: at the lower size", "", andRule, withTags(current("docs/k", 10), "a", "1", "b", "2"), dueAfter(1), Action{}},
		{"and: at the upper size", "", andRule, withTags(current("docs/k", 100), "a", "1", "b", "2"), dueAfter(1), Action{}},

		// Delete markers.
		{"expired delete marker", "", markers, deleteMarker("k", true), writtenAt, deleteMarkerBy("m")},
		{"delete marker with versions", "", markers, deleteMarker("k", false), dueAfter(100), Action{}},
		{"delete marker, size filter", "", `<Rule><ID>m</ID><Status>Enabled</Status><Filter><ObjectSizeLessThan>10</ObjectSizeLessThan></Filter><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>`, deleteMarker("k", true), dueAfter(1), Action{}},
		{"delete marker, expiration days: one oneNS before", "", expire1, deleteMarker("k", true), dueAfter(1).Add(-oneNS), Action{}},
		{"delete marker, expiration days: at", "", expire1, deleteMarker("k", true), dueAfter(1), deleteMarkerBy("e1")},
		{"delete marker with versions, expiration days", "", expire1, deleteMarker("k", false), dueAfter(10), Action{}},
		{"delete marker, expiration date", "", expireDate, deleteMarker("k", true), mustTime("2026-07-01T00:00:00Z"), Action{}},
		{"delete marker, tag filter", "", tagRule, deleteMarker("k", true), dueAfter(10), Action{}},

		// Noncurrent versions.
		{"noncurrent: one oneNS before", "", noncurrent2, noncurrentVersion("k", 1, 2), dueAfter(2).Add(-oneNS), Action{}},
		{"noncurrent: at", "", noncurrent2, noncurrentVersion("k", 1, 2), dueAfter(2), deleteVersionBy("nc")},
		{"noncurrent: one of the newest kept", "", noncurrent2, noncurrentVersion("k", 1, 1), dueAfter(20), Action{}},
		{"noncurrent: older than those kept", "", noncurrent2, noncurrentVersion("k", 1, 3), dueAfter(20), deleteVersionBy("nc")},
		{"noncurrent delete marker", "", noncurrent2, func() Version { v := noncurrentVersion("k", 0, 2); v.DeleteMarker = true; return v }(), dueAfter(2), deleteVersionBy("nc")},
		{"noncurrent without since", "", noncurrent2, func() Version { v := noncurrentVersion("k", 1, 2); v.NoncurrentSince = time.Time{}; return v }(), dueAfter(20), Action{}},
		{"current version, noncurrent rule", "", noncurrent2, current("k", 1), dueAfter(20), Action{}},
		{"noncurrent version, current rule", "", expire1, noncurrentVersion("k", 1, 0), dueAfter(20), Action{}},

		// Transitions.
		{"transition: one oneNS before", "", transition30, current("k", bigSize), dueAfter(30).Add(-oneNS), Action{}},
		{"transition: at", "", transition30, current("k", bigSize), dueAfter(30), transitionTo("t", "COLD")},
		{"transition: 128 KiB", "", transition30, current("k", 128<<10), dueAfter(30), transitionTo("t", "COLD")},
		{"transition: under 128 KiB", "", transition30, current("k", 128<<10-1), dueAfter(300), Action{}},
		{"transition: under 128 KiB, by class", MinSizeByClass, transition30, current("k", 1), dueAfter(30), transitionTo("t", "COLD")},
		{"transition: under 128 KiB, size filter", "", `<Rule><ID>s</ID><Status>Enabled</Status><Filter><ObjectSizeGreaterThan>0</ObjectSizeGreaterThan></Filter><Transition><Days>30</Days><StorageClass>COLD</StorageClass></Transition></Rule>`, current("k", 1), dueAfter(30), transitionTo("s", "COLD")},
		{"transition: already on a tier", "", transition30, onTier(current("k", bigSize), "WARM"), dueAfter(300), Action{}},
		{"transition: already there", "", transition30, onTier(current("k", bigSize), "COLD"), dueAfter(300), Action{}},
		{"transition: STANDARD named", "", transition30, onTier(current("k", bigSize), "STANDARD"), dueAfter(30), transitionTo("t", "COLD")},
		{"transition days 0: before midnight", "", `<Rule><ID>z</ID><Status>Enabled</Status><Filter/><Transition><Days>0</Days><StorageClass>COLD</StorageClass></Transition></Rule>`, current("k", bigSize), dueAfter(0).Add(-oneNS), Action{}},
		{"transition days 0: midnight", "", `<Rule><ID>z</ID><Status>Enabled</Status><Filter/><Transition><Days>0</Days><StorageClass>COLD</StorageClass></Transition></Rule>`, current("k", bigSize), dueAfter(0), transitionTo("z", "COLD")},
		{"transition date: one oneNS before", "", transitionDate, current("k", bigSize), mustTime("2026-05-01T00:00:00Z").Add(-oneNS), Action{}},
		{"transition date: at", "", transitionDate, current("k", bigSize), mustTime("2026-05-01T00:00:00Z"), transitionTo("td", "COLD")},
		{"chain: first step", "", chain, current("k", bigSize), dueAfter(89), transitionTo("c", "WARM")},
		{"chain: last step", "", chain, current("k", bigSize), dueAfter(90), transitionTo("c", "COLD")},
		{"delete marker never moves", "", transition30, deleteMarker("k", true), dueAfter(300), Action{}},
		{"expiration before transition", "", expireAndMove, current("k", bigSize), dueAfter(59), transitionTo("x", "COLD")},
		{"expiration wins", "", expireAndMove, current("k", bigSize), dueAfter(60), expireBy("x")},
		{"noncurrent transition: at", "", ncTransition, noncurrentVersion("k", bigSize, 1), dueAfter(5), transitionTo("nt", "COLD")},
		{"noncurrent transition: one oneNS before", "", ncTransition, noncurrentVersion("k", bigSize, 1), dueAfter(5).Add(-oneNS), Action{}},
		{"noncurrent transition: newest kept", "", ncTransition, noncurrentVersion("k", bigSize, 0), dueAfter(50), Action{}},
		{"noncurrent transition: small", "", ncTransition, noncurrentVersion("k", 10, 1), dueAfter(50), Action{}},
		{"noncurrent transition: on a tier", "", ncTransition, onTier(noncurrentVersion("k", bigSize, 1), "COLD"), dueAfter(50), Action{}},
		{"noncurrent transition: delete marker", "", ncTransition, func() Version { v := noncurrentVersion("k", 0, 1); v.DeleteMarker = true; return v }(), dueAfter(50), Action{}},

		// Several rules.
		{"first expiration named", "", expire1 + expireDate, current("k", 1), mustTime("2026-07-01T00:00:00Z"), expireBy("e1")},
		{"first expiration named, other order", "", expireDate + expire1, current("k", 1), mustTime("2026-07-01T00:00:00Z"), expireBy("e1")},
		{"expiration of another rule wins", "", transition30 + strings.Replace(expire1, "<Days>1</Days>", "<Days>40</Days>", 1), current("k", bigSize), dueAfter(40), expireBy("e1")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := compileRules(t, c.minSize, c.rules)
			if got := r.Evaluate(c.v, c.now, stdDay); got != c.want {
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
	r := compileRules(t, "", `<Rule><ID>d</ID><Status>Enabled</Status><Filter><Prefix>d/</Prefix></Filter><Expiration><Days>3</Days></Expiration></Rule>`+
		`<Rule><ID>date</ID><Status>Enabled</Status><Filter><Prefix>t/</Prefix></Filter><Expiration><Date>2026-06-01T00:00:00Z</Date></Expiration></Rule>`)
	written := mustTime("2026-03-10T15:30:05Z")
	due := mustTime("2026-03-10T15:30:40Z")
	if got := r.Evaluate(Version{Key: "d/k", ModTime: written, IsLatest: true}, due.Add(-oneNS), short); got.Kind != None {
		t.Errorf("one oneNS before %s: %+v", due, got)
	}
	if got := r.Evaluate(Version{Key: "d/k", ModTime: written, IsLatest: true}, due, short); got != expireBy("d") {
		t.Errorf("at %s: %+v", due, got)
	}
	dated := mustTime("2026-06-01T00:00:00Z")
	if got := r.Evaluate(Version{Key: "t/k", ModTime: written, IsLatest: true}, dated.Add(-oneNS), short); got.Kind != None {
		t.Errorf("one oneNS before the date: %+v", got)
	}
	if got := r.Evaluate(Version{Key: "t/k", ModTime: written, IsLatest: true}, dated, short); got != expireBy("date") {
		t.Errorf("at the date: %+v", got)
	}
}

func TestExpiration(t *testing.T) {
	r := compileRules(t, "", `<Rule><ID>week</ID><Status>Enabled</Status><Filter><Prefix>tmp/</Prefix></Filter><Expiration><Days>7</Days></Expiration></Rule>`+
		`<Rule><ID>stdDay</ID><Status>Enabled</Status><Filter><Prefix>tmp/now/</Prefix></Filter><Expiration><Days>1</Days></Expiration></Rule>`+
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
		{"days", current("tmp/a", 1), dueAfter(7), "week"},
		{"the first of two", current("tmp/now/a", 1), dueAfter(1), "stdDay"},
		{"date", withTags(current("a", 1), "k", "v"), mustTime("2027-01-01T00:00:00Z"), "dated"},
		{"date later than days", withTags(current("tmp/a", 1), "k", "v"), dueAfter(7), "week"},
		{"no expiring rule", current("a", 1), time.Time{}, ""},
		{"delete marker", deleteMarker("tmp/a", true), time.Time{}, ""},
		{"noncurrent", noncurrentVersion("tmp/a", 1, 0), time.Time{}, ""},
	}
	for _, c := range cases {
		at, id, ok := r.Expiration(c.v, stdDay)
		if ok != (c.id != "") || id != c.id || !at.Equal(c.at) {
			t.Errorf("%s: %s %q %v, want %s %q", c.name, at, id, ok, c.at, c.id)
		}
	}
}

func TestAbortUpload(t *testing.T) {
	r := compileRules(t, "", `<Rule><ID>all</ID><Status>Enabled</Status><Filter/><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`+
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
		{"a", dueAfter(7), "all"},
		{"tmp/a", dueAfter(1), "fast"},
	} {
		at, id, ok := r.AbortUpload(c.key, writtenAt, stdDay)
		if !ok || id != c.id || !at.Equal(c.at) {
			t.Errorf("%s: %s %q %v, want %s %q", c.key, at, id, ok, c.at, c.id)
		}
	}
	none := compileRules(t, "", `<Rule><ID>p</ID><Status>Enabled</Status><Filter><Prefix>tmp/</Prefix></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`+
		`<Rule><ID>e</ID><Status>Enabled</Status><Filter/><Expiration><Days>1</Days></Expiration></Rule>`)
	if _, _, ok := none.AbortUpload("other", writtenAt, stdDay); ok {
		t.Error("an upload outside the prefix is aborted")
	}
	if compileRules(t, "", `<Rule><ID>e</ID><Status>Enabled</Status><Filter/><Expiration><Days>1</Days></Expiration></Rule>`).HasAbort() {
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
		if got := r.Evaluate(current("k", 1), dueAfter(1), stdDay); got != expireBy("e") {
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
// removing noncurrent versions, with a tag filter on every other one.
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
	r := compileRules(t, "", manyRules(100))
	for _, v := range []Version{current("nothing/k", bigSize), withTags(current("p1/k", bigSize), "k", "v"), current("p2/k", bigSize), noncurrentVersion("p4/k", 1, 0)} {
		allocs := testing.AllocsPerRun(100, func() { r.Evaluate(v, dueAfter(20), stdDay) })
		if allocs != 0 {
			t.Errorf("%s: %v allocations", v.Key, allocs)
		}
	}
	if got := r.Evaluate(current("p2/k", bigSize), dueAfter(12), stdDay); got != expireBy("r2") {
		t.Errorf("p2/k: %+v", got)
	}
}

func BenchmarkEvaluate(b *testing.B) {
	r := compileRules(b, "", manyRules(1000))
	now := dueAfter(20)
	for _, c := range []struct {
		name string
		v    Version
	}{
		{"no match", current("nothing/k", bigSize)},
		{"match", withTags(current("p999/k", bigSize), "k", "v")},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.Evaluate(c.v, now, stdDay)
			}
		})
	}
}

// A bucket without rules may be handled as nil Rules.
func TestNilRules(t *testing.T) {
	var r *Rules
	if got := r.Evaluate(current("k", 1), dueAfter(1000), stdDay); got.Kind != None {
		t.Errorf("Evaluate: %+v", got)
	}
	if _, _, ok := r.Expiration(current("k", 1), stdDay); ok {
		t.Error("Expiration")
	}
	if _, _, ok := r.AbortUpload("k", writtenAt, stdDay); ok || r.HasAbort() || r.MinSize() != MinSize128K {
		t.Error("AbortUpload, HasAbort or MinSize")
	}
}
