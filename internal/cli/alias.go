package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/kurastore/kura/client"
)

// Alias is a named server: its URL and the keys to sign requests with.
type Alias struct {
	URL          string `json:"url"`
	AccessKey    string `json:"accessKey"`
	SecretKey    string `json:"secretKey"`
	SessionToken string `json:"sessionToken,omitempty"`
	// API is the signature version; only "s3v4" is supported.
	API string `json:"api"`
	// Region is the region requests are signed for; empty means
	// us-east-1.
	Region string `json:"region,omitempty"`
}

// aliasFile is the layout of aliases.json.
type aliasFile struct {
	Version string           `json:"version"`
	Aliases map[string]Alias `json:"aliases"`
}

const (
	aliasFileName    = "aliases.json"
	aliasFileVersion = "1"
	// envConfigDir overrides the configuration directory.
	envConfigDir = "KURA_CONFIG_DIR"
	// envAliasPrefix and envMCHostPrefix name environment variables that
	// define an alias as a URL with the keys in it:
	// KURA_ALIAS_<NAME>=https://ACCESS:SECRET@host:port. The second is
	// mc's spelling, accepted so that existing setups carry over.
	envAliasPrefix  = "KURA_ALIAS_"
	envMCHostPrefix = "MC_HOST_"
	// maxAliasName bounds an alias name.
	maxAliasName = 64
)

// checkAliasName accepts a letter followed by letters, digits, '-' and
// '_', at most maxAliasName characters: a name that can never be taken
// for a local path's first element by accident and that fits in an
// environment variable's name.
func checkAliasName(name string) error {
	if name == "" || len(name) > maxAliasName {
		return fmt.Errorf("alias name %q must have 1 to %d characters", name, maxAliasName)
	}
	for i, r := range name {
		letter := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		ok := letter || (i > 0 && ((r >= '0' && r <= '9') || r == '-' || r == '_'))
		if !ok {
			return fmt.Errorf("alias name %q must start with a letter and hold only letters, digits, '-' and '_'", name)
		}
	}
	return nil
}

// checkAlias validates an alias's URL and API.
func checkAlias(a Alias) error {
	u, err := url.Parse(a.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("URL %q is not an http:// or https:// URL", a.URL)
	}
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("URL %q must not have a path", a.URL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		// Redacted: a password in the URL is not repeated in the error.
		return fmt.Errorf("URL %q must have no user, query or fragment (give the keys as arguments)", u.Redacted())
	}
	if !strings.EqualFold(a.API, "s3v4") {
		return fmt.Errorf("API %q is not supported: only s3v4", a.API)
	}
	if (a.AccessKey == "") != (a.SecretKey == "") {
		return errors.New("give both an access key and a secret key, or neither for anonymous access")
	}
	return nil
}

// aliasFromURL reads an alias from an environment variable's value,
// https://ACCESS:SECRET[:TOKEN]@host:port, as mc's MC_HOST_<alias> has it.
func aliasFromURL(raw string) (Alias, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Alias{}, errors.New("not a URL")
	}
	a := Alias{API: "s3v4"}
	if u.User != nil {
		a.AccessKey = u.User.Username()
		secret, _ := u.User.Password()
		a.SecretKey, a.SessionToken, _ = strings.Cut(secret, ":")
	}
	u.User = nil
	a.URL = strings.TrimSuffix(u.String(), "/")
	if err := checkAlias(a); err != nil {
		return Alias{}, err
	}
	return a, nil
}

// configDir is where aliases.json lives: --config-dir, KURA_CONFIG_DIR,
// or kura/ in the user's configuration directory.
func (e *Env) configDir() (string, error) {
	if e.ConfigDir != "" {
		return e.ConfigDir, nil
	}
	if dir := os.Getenv(envConfigDir); dir != "" {
		return dir, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no configuration directory (set %s): %w", envConfigDir, err)
	}
	return filepath.Join(base, "kura"), nil
}

// loadAliases reads aliases.json; a missing file is no aliases.
func (e *Env) loadAliases() (*aliasFile, error) {
	dir, err := e.configDir()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, aliasFileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &aliasFile{Version: aliasFileVersion, Aliases: map[string]Alias{}}, nil
	}
	if err != nil {
		return nil, err
	}
	var f aliasFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if f.Aliases == nil {
		f.Aliases = map[string]Alias{}
	}
	return &f, nil
}

// saveAliases writes aliases.json readable by its owner only. It writes a
// temporary file and renames it over the old one, so that a crash or a
// concurrent reader never sees half a file.
func (e *Env) saveAliases(f *aliasFile) error {
	dir, err := e.configDir()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, aliasFileName+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, aliasFileName))
}

// aliasSource says where an alias was found.
type aliasSource string

// LookupAlias returns the alias called name: from KURA_ALIAS_<name>, then
// MC_HOST_<name>, then aliases.json. ok is false when none defines it.
func (e *Env) LookupAlias(name string) (a Alias, ok bool, err error) {
	a, src, err := e.lookupAlias(name)
	return a, src != "", err
}

func (e *Env) lookupAlias(name string) (Alias, aliasSource, error) {
	if checkAliasName(name) != nil {
		return Alias{}, "", nil
	}
	for _, prefix := range []string{envAliasPrefix, envMCHostPrefix} {
		if raw, ok := os.LookupEnv(prefix + name); ok {
			a, err := aliasFromURL(raw)
			if err != nil {
				return Alias{}, "", fmt.Errorf("environment variable %s%s: %w", prefix, name, err)
			}
			return a, aliasSource("env " + prefix + name), nil
		}
	}
	f, err := e.loadAliases()
	if err != nil {
		return Alias{}, "", err
	}
	if a, ok := f.Aliases[name]; ok {
		return a, "file", nil
	}
	return Alias{}, "", nil
}

// Client returns the client of alias name, made once per process.
func (e *Env) Client(name string) (*client.Client, error) {
	e.mu.Lock()
	c := e.clients[name]
	e.mu.Unlock()
	if c != nil {
		return c, nil
	}
	a, ok, err := e.LookupAlias(name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("alias %q is not defined (kura alias set %s URL ACCESS SECRET)", name, name)
	}
	c, err = e.newClient(a)
	if err != nil {
		return nil, fmt.Errorf("alias %s: %w", name, err)
	}
	e.mu.Lock()
	e.clients[name] = c
	e.mu.Unlock()
	return c, nil
}

// newClient makes a client for a. TLS trusts the system's CAs, which Go
// reads from SSL_CERT_FILE and SSL_CERT_DIR when they are set; --insecure
// turns verification off.
func (e *Env) newClient(a Alias) (*client.Client, error) {
	opts := &client.Options{
		AccessKey:          a.AccessKey,
		SecretKey:          a.SecretKey,
		SessionToken:       a.SessionToken,
		Region:             a.Region,
		InsecureSkipVerify: e.Insecure,
		UserAgent:          "kura-cli",
	}
	return client.New(strings.TrimSuffix(a.URL, "/"), opts)
}
