package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testEnv is an Env on a fresh configuration directory, with no alias in
// the environment.
func testEnv(t *testing.T) (*Env, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	t.Setenv(envConfigDir, filepath.Join(t.TempDir(), "cfg"))
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, envAliasPrefix) || strings.HasPrefix(name, envMCHostPrefix) {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	var out, errOut bytes.Buffer
	return NewEnv(&out, &errOut), &out, &errOut
}

func setAlias(t *testing.T, e *Env, name string, a Alias) {
	t.Helper()
	f, err := e.loadAliases()
	if err != nil {
		t.Fatal(err)
	}
	f.Aliases[name] = a
	if err := e.saveAliases(f); err != nil {
		t.Fatal(err)
	}
}

func TestAliasFileIsPrivate(t *testing.T) {
	e, _, _ := testEnv(t)
	setAlias(t, e, "local", Alias{URL: "http://127.0.0.1:9000", AccessKey: "AK", SecretKey: "SK", API: "s3v4"})
	dir, _ := e.configDir()
	st, err := os.Stat(filepath.Join(dir, aliasFileName))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("aliases.json has mode %o, want 600", st.Mode().Perm())
	}
	dst, _ := os.Stat(dir)
	if dst.Mode().Perm() != 0o700 {
		t.Errorf("config dir has mode %o, want 700", dst.Mode().Perm())
	}
	// A rewrite leaves no temporary file behind and keeps the mode.
	setAlias(t, e, "other", Alias{URL: "http://127.0.0.1:9001", API: "s3v4"})
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("config dir holds %d entries after a rewrite, want 1", len(entries))
	}
	st, _ = os.Stat(filepath.Join(dir, aliasFileName))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("rewritten aliases.json has mode %o", st.Mode().Perm())
	}
}

func TestAliasEnvironmentWinsOverFile(t *testing.T) {
	e, _, _ := testEnv(t)
	setAlias(t, e, "s", Alias{URL: "http://file:1", AccessKey: "FILEAK", SecretKey: "FILESK", API: "s3v4"})
	lookup := func() Alias {
		t.Helper()
		a, ok, err := e.LookupAlias("s")
		if err != nil || !ok {
			t.Fatalf("LookupAlias = %v, %v", ok, err)
		}
		return a
	}
	if a := lookup(); a.URL != "http://file:1" {
		t.Fatalf("file alias = %+v", a)
	}
	t.Setenv("MC_HOST_s", "https://MCAK:MCSK@mc:2")
	if a := lookup(); a.URL != "https://mc:2" || a.AccessKey != "MCAK" || a.SecretKey != "MCSK" {
		t.Errorf("MC_HOST_s did not win over the file: %+v", a)
	}
	t.Setenv("KURA_ALIAS_s", "http://KAK:K%2FSK:TOKEN@kura:3")
	if a := lookup(); a.URL != "http://kura:3" || a.AccessKey != "KAK" || a.SecretKey != "K/SK" || a.SessionToken != "TOKEN" {
		t.Errorf("KURA_ALIAS_s did not win over MC_HOST_s: %+v", a)
	}
	// An environment alias that is no URL is an error, not a fallback
	// to the file.
	t.Setenv("KURA_ALIAS_s", "ftp://x")
	if _, _, err := e.LookupAlias("s"); err == nil {
		t.Error("a bad KURA_ALIAS_s was accepted")
	}
}

func TestAliasNameLimits(t *testing.T) {
	ok := []string{"a", "local", "my-server_2", "A" + strings.Repeat("b", maxAliasName-1)}
	for _, n := range ok {
		if err := checkAliasName(n); err != nil {
			t.Errorf("checkAliasName(%q) = %v", n, err)
		}
	}
	bad := []string{"", "1a", "-a", "a.b", "a/b", "a b", "é", "A" + strings.Repeat("b", maxAliasName)}
	for _, n := range bad {
		if err := checkAliasName(n); err == nil {
			t.Errorf("checkAliasName(%q) accepted", n)
		}
	}
}

func TestCheckAlias(t *testing.T) {
	good := Alias{URL: "https://s3.example.com:9000", AccessKey: "a", SecretKey: "b", API: "S3v4"}
	if err := checkAlias(good); err != nil {
		t.Errorf("checkAlias(%+v) = %v", good, err)
	}
	for _, a := range []Alias{
		{URL: "s3.example.com", API: "s3v4"},
		{URL: "ftp://h", API: "s3v4"},
		{URL: "http://h/path", API: "s3v4"},
		{URL: "http://u:p@h", API: "s3v4"},
		{URL: "http://h", API: "s3v2"},
		{URL: "http://h", API: "s3v4", AccessKey: "only"},
	} {
		if err := checkAlias(a); err == nil {
			t.Errorf("checkAlias(%+v) accepted", a)
		}
	}
}

func TestResolve(t *testing.T) {
	e, _, _ := testEnv(t)
	setAlias(t, e, "srv", Alias{URL: "http://127.0.0.1:9", AccessKey: "AK", SecretKey: "SK", API: "s3v4"})
	cases := []struct {
		arg                string
		alias, bucket, key string
		local              string
		server, isPrefix   bool
	}{
		{arg: "srv", alias: "srv", server: true},
		{arg: "srv/", alias: "srv", server: true},
		{arg: "srv/b", alias: "srv", bucket: "b"},
		{arg: "srv/b/", alias: "srv", bucket: "b"},
		{arg: "srv/b/k", alias: "srv", bucket: "b", key: "k"},
		{arg: "srv/b/dir/", alias: "srv", bucket: "b", key: "dir/", isPrefix: true},
		{arg: "srv/b/a//b", alias: "srv", bucket: "b", key: "a//b"},
		{arg: "other/b/k", local: "other/b/k"},
		{arg: "./srv/b", local: "./srv/b"},
		{arg: "/tmp/x", local: "/tmp/x"},
		{arg: "srvx/b", local: "srvx/b"},
	}
	for _, c := range cases {
		got, err := e.Resolve(c.arg)
		if err != nil {
			t.Errorf("Resolve(%q) = %v", c.arg, err)
			continue
		}
		if got.Alias != c.alias || got.Bucket != c.bucket || got.Key != c.key || got.Local != c.local ||
			got.IsServer() != c.server || got.IsPrefix() != c.isPrefix || (got.Client != nil) != (c.alias != "") {
			t.Errorf("Resolve(%q) = %+v", c.arg, got)
		}
	}
	if _, err := e.Resolve("srv//k"); err == nil {
		t.Error("Resolve accepted a key without a bucket")
	}
	if _, err := e.ResolveRemote("nosuch/b"); err == nil || !strings.Contains(err.Error(), "not an alias") {
		t.Errorf("ResolveRemote(nosuch/b) = %v", err)
	}
	if _, err := e.ResolveObject("srv/b/dir/"); err == nil {
		t.Error("ResolveObject accepted a prefix")
	}
	if _, err := e.ResolveBucket("srv"); err == nil {
		t.Error("ResolveBucket accepted a server")
	}
}

func TestTargetString(t *testing.T) {
	for _, c := range []struct {
		t    Target
		want string
	}{
		{Target{Alias: "a"}, "a"},
		{Target{Alias: "a", Bucket: "b"}, "a/b"},
		{Target{Alias: "a", Bucket: "b", Key: "k/"}, "a/b/k/"},
		{Target{Local: "./x"}, "./x"},
	} {
		if got := c.t.String(); got != c.want {
			t.Errorf("%+v.String() = %q, want %q", c.t, got, c.want)
		}
	}
}

func TestPrinterJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	p := NewPrinter(&out, &errOut, true, true)
	p.Print(Message{Message: "hi"})
	p.Info(Message{Message: "done"})
	p.Error(errors.New("boom"))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], `{"status":"success",`) {
		t.Fatalf("stdout = %q", out.String())
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &rec); err != nil || rec["message"] != "done" {
		t.Errorf("line %q: %v", lines[1], err)
	}
	if err := json.Unmarshal(errOut.Bytes(), &rec); err != nil || rec["status"] != "error" {
		t.Errorf("stderr %q: %v", errOut.String(), err)
	}
	if msg := rec["error"].(map[string]any)["message"]; msg != "boom" {
		t.Errorf("error message = %v", msg)
	}
}

func TestPrinterQuietHidesConfirmations(t *testing.T) {
	var out, errOut bytes.Buffer
	p := NewPrinter(&out, &errOut, false, true)
	p.Info(Message{Message: "done"})
	p.Print(Message{Message: "result"})
	if out.String() != "result\n" {
		t.Errorf("quiet stdout = %q", out.String())
	}
}

func TestParseTags(t *testing.T) {
	tags, err := parseTags("a=1&b=two%20words&c=")
	if err != nil || len(tags) != 3 || tags["b"] != "two words" || tags["c"] != "" {
		t.Errorf("parseTags = %v, %v", tags, err)
	}
	for _, bad := range []string{"", "a=1&a=2", "%zz=1"} {
		if _, err := parseTags(bad); err == nil {
			t.Errorf("parseTags(%q) accepted", bad)
		}
	}
}

func TestAliasFileDamaged(t *testing.T) {
	e, _, _ := testEnv(t)
	dir, _ := e.configDir()
	os.MkdirAll(dir, 0o700)
	os.WriteFile(filepath.Join(dir, aliasFileName), []byte("{not json"), 0o600)
	if _, _, err := e.LookupAlias("any"); err == nil {
		t.Error("a damaged aliases.json was read as empty")
	}
	if _, err := e.Resolve("any/bucket"); err == nil {
		t.Error("Resolve went on with a damaged aliases.json")
	}
}

func TestConfigDirFlagWins(t *testing.T) {
	e, _, _ := testEnv(t)
	flagDir := t.TempDir()
	e.ConfigDir = flagDir
	setAlias(t, e, "viaflag", Alias{URL: "http://h:1", API: "s3v4"})
	if _, err := os.Stat(filepath.Join(flagDir, aliasFileName)); err != nil {
		t.Errorf("--config-dir was not used: %v", err)
	}
	envDir := os.Getenv(envConfigDir)
	if _, err := os.Stat(filepath.Join(envDir, aliasFileName)); err == nil {
		t.Error("KURA_CONFIG_DIR was written although --config-dir was given")
	}
}

func TestPrinterLinesDoNotInterleave(t *testing.T) {
	var out bytes.Buffer
	p := NewPrinter(&out, &out, true, false)
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 100; i++ {
				p.Print(Message{Message: strings.Repeat("x", 100)})
			}
		}()
	}
	for g := 0; g < 8; g++ {
		<-done
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 800 {
		t.Fatalf("%d lines, want 800", len(lines))
	}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
	}
}

// scalar is a Record that does not marshal to an object.
type scalar string

func (s scalar) Text() string { return string(s) }

func TestPrinterWrapsScalars(t *testing.T) {
	var out bytes.Buffer
	NewPrinter(&out, &out, true, false).Print(scalar("v"))
	if got := out.String(); got != `{"status":"success","value":"v"}`+"\n" {
		t.Errorf("scalar record = %q", got)
	}
}

func TestCheckAliasDoesNotRepeatAPassword(t *testing.T) {
	err := checkAlias(Alias{URL: "http://user:hunter2@h:1", API: "s3v4"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("checkAlias of a URL with a password = %v", err)
	}
}
