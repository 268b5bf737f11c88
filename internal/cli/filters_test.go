package cli

import (
	"testing"
	"time"

	"github.com/kurastore/kura/client"
)

func TestVersionGroupAt(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g := versionGroup{entries: []lsEntry{ // newest first
		{Type: "deleteMarker", VersionID: "v3", LastModified: t0.Add(3 * time.Hour)},
		{Type: "file", VersionID: "v2", LastModified: t0.Add(2 * time.Hour)},
		{Type: "file", VersionID: "v1", LastModified: t0.Add(time.Hour)},
	}}
	for _, c := range []struct {
		at   time.Duration
		want string
	}{
		{0, ""},
		{time.Hour, "v1"},
		{2*time.Hour - time.Second, "v1"},
		{2 * time.Hour, "v2"},
		{3 * time.Hour, ""}, // deleted then
		{5 * time.Hour, ""},
	} {
		l, ok := g.at(t0.Add(c.at))
		if got := l.VersionID; ok != (c.want != "") || got != c.want {
			t.Errorf("at +%v = %q, %v; want %q", c.at, got, ok, c.want)
		}
	}
	g.number()
	if g.entries[0].VersionOrdinal != 3 || g.entries[2].VersionOrdinal != 1 {
		t.Errorf("ordinals = %+v", g.entries)
	}
}

func TestFindFilter(t *testing.T) {
	now := time.Now()
	obj := client.ObjectInfo{Key: "logs/2026/app.log.gz", Size: 64 << 20, LastModified: now.Add(-48 * time.Hour)}
	cases := []struct {
		f    findFlags
		keep bool
	}{
		{findFlags{}, true},
		{findFlags{name: "*.gz"}, true},
		{findFlags{name: "*.txt"}, false},
		{findFlags{name: "logs/*"}, false}, // --name sees the base name only
		{findFlags{path: "logs/*/*.gz"}, true},
		{findFlags{path: "*.gz"}, false}, // '*' does not cross '/'
		{findFlags{regex: `^logs/\d+/`}, true},
		{findFlags{regex: `^tmp/`}, false},
		// Sizes are strict: an object of exactly the size is neither.
		{findFlags{larger: "64MiB"}, false},
		{findFlags{larger: "64MiB", smaller: "65MiB"}, false},
		{findFlags{larger: "63MiB", smaller: "65MiB"}, true},
		{findFlags{smaller: "64MiB"}, false},
		{findFlags{olderThan: "1d"}, true},
		{findFlags{olderThan: "3d"}, false},
		{findFlags{newerThan: "3d"}, true},
		{findFlags{newerThan: "1d"}, false},
		// rel "2026/app.log.gz" is two levels below the target.
		{findFlags{maxDepth: 2}, true},
		{findFlags{maxDepth: 1}, false},
	}
	for _, c := range cases {
		ff, err := c.f.parse()
		if err != nil {
			t.Fatalf("%+v: %v", c.f, err)
		}
		if got := ff.keep(obj, "2026/app.log.gz"); got != c.keep {
			t.Errorf("%+v keep = %v, want %v", c.f, got, c.keep)
		}
	}
	for _, bad := range []findFlags{{name: "["}, {regex: "("}, {larger: "big"}, {maxDepth: -1}, {olderThan: "x"}} {
		if _, err := bad.parse(); err == nil {
			t.Errorf("%+v parsed", bad)
		}
	}
}

func TestRelativeNameAndUnderTarget(t *testing.T) {
	if got := relativeName("dir/", "dir/a/b"); got != "a/b" {
		t.Errorf("relativeName = %q", got)
	}
	if got := relativeName("dir/fo", "dir/foo"); got != "foo" {
		t.Errorf("relativeName = %q", got)
	}
	if got := relativeName("", "a/b"); got != "a/b" {
		t.Errorf("relativeName = %q", got)
	}
	dir := Target{Alias: "a", Bucket: "b", Key: "dir"}
	for key, want := range map[string]bool{"dir": true, "dir/x": true, "dirx": false, "di": false} {
		if got := underTarget(dir, key); got != want {
			t.Errorf("underTarget(dir, %q) = %v", key, got)
		}
	}
	if !underTarget(Target{Alias: "a", Bucket: "b", Key: "dir/"}, "dir/x") {
		t.Error("a prefix target does not hold its keys")
	}
}

func TestLsTotalCountsObjectsOnly(t *testing.T) {
	var total lsTotal
	for _, l := range []lsEntry{
		{Type: "file", Size: 10},
		{Type: "file", Size: 5},
		{Type: "folder"},
		{Type: "deleteMarker"},
		{Type: "bucket"},
		{Type: "upload"},
	} {
		total.add(l)
	}
	if total.TotalObjects != 2 || total.TotalSize != 15 {
		t.Errorf("total = %+v", total)
	}
}
