// Package ldaptest starts a real OpenLDAP server (Debian's slapd) for
// tests: an unprivileged child process (as openldap or nobody when the
// tests run as root) on random loopback ports, with its
// own configuration and database in a temporary directory, loaded with the
// users and groups a test asks for, and stopped when the test ends.
package ldaptest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // {SSHA} is defined with SHA-1
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// The fixed names of the test directory.
const (
	BaseDN         = "dc=kura,dc=test"
	UsersDN        = "ou=users," + BaseDN
	GroupsDN       = "ou=groups," + BaseDN
	AdminDN        = "cn=admin," + BaseDN
	AdminPassword  = "admin-secret"
	LookupDN       = "cn=lookup," + BaseDN
	LookupPassword = "lookup-secret"
)

// User is one inetOrgPerson below UsersDN, named uid=UID.
type User struct {
	UID      string
	Password string
	// CN defaults to UID; two users with one CN make a (cn=%s) filter
	// ambiguous.
	CN string
	// UserAccountControl, when not zero, is written as Active Directory
	// would, so the AD disabled flag can be tested.
	UserAccountControl int
	// Locked sets pwdAccountLockedTime, as an administrator locking the
	// account with the password policy does.
	Locked bool
}

// Group is a groupOfNames below GroupsDN, named cn=CN, whose members are
// the users with the given UIDs.
type Group struct {
	CN      string
	Members []string
}

// Options choose the directory's content and listeners.
type Options struct {
	Users  []User
	Groups []Group
	// TLS adds an ldaps listener and StartTLS support, with a certificate
	// for 127.0.0.1 signed by a CA made for this server.
	TLS bool
}

// Server is a running slapd.
type Server struct {
	// Addr is HOST:PORT of the plain listener (StartTLS too when TLS).
	Addr string
	// TLSAddr is HOST:PORT of the ldaps listener, when TLS.
	TLSAddr string
	// CACertPEM verifies the server's certificate, when TLS.
	CACertPEM string

	dir      string
	procAttr *syscall.SysProcAttr
	cmd      *exec.Cmd
	log      *lockedBuffer
	exited   chan struct{}
	stopOnce sync.Once
}

// UserDN is the DN of the user with the given UID.
func UserDN(uid string) string { return "uid=" + goldap.EscapeDN(uid) + "," + UsersDN }

// GroupDN is the DN of the group with the given CN.
func GroupDN(cn string) string { return "cn=" + goldap.EscapeDN(cn) + "," + GroupsDN }

// slapdPath finds slapd, or skips the test.
func slapdPath(t testing.TB) string {
	for _, p := range []string{"/usr/sbin/slapd", "/usr/local/libexec/slapd"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("slapd"); err == nil {
		return p
	}
	t.Skip("slapd is not installed (Debian: apt-get install slapd ldap-utils); skipping the LDAP directory tests")
	return ""
}

// Start runs a slapd with opts and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin := slapdPath(t)
	dir := t.TempDir()
	var caPEM string
	if opts.TLS {
		caPEM = writeCertificates(t, dir)
	}
	writeFile(t, filepath.Join(dir, "kuratest.schema"), testSchema)
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeConfig(t, dir, opts.TLS)
	writeFile(t, filepath.Join(dir, "data.ldif"), buildLDIF(t, opts))
	attr := dropPrivileges(t, dir)
	load(t, bin, dir, attr)
	// A port picked free can be taken before slapd binds it; try again
	// with new ports then.
	var lastErr error
	for range 3 {
		s := &Server{dir: dir, CACertPEM: caPEM, procAttr: attr}
		if lastErr = s.start(bin, opts.TLS); lastErr == nil {
			t.Cleanup(s.Stop)
			return s
		}
	}
	t.Fatalf("ldaptest: slapd did not start: %v", lastErr)
	return nil
}

func (s *Server) start(bin string, withTLS bool) error {
	var err error
	if s.Addr, err = freeAddr(); err != nil {
		return err
	}
	urls := "ldap://" + s.Addr + "/"
	if withTLS {
		if s.TLSAddr, err = freeAddr(); err != nil {
			return err
		}
		urls += " ldaps://" + s.TLSAddr + "/"
	}
	s.log = &lockedBuffer{}
	// -d keeps slapd in the foreground, as a child of the test.
	s.cmd = exec.Command(bin, "-d", "0", "-f", filepath.Join(s.dir, "slapd.conf"), "-h", urls)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.SysProcAttr = s.procAttr
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.exited = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(); err != nil {
		s.Stop()
		return fmt.Errorf("%v; slapd said: %s", err, s.log.String())
	}
	return nil
}

// waitReady polls until the admin can bind.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("slapd exited")
		default:
		}
		if c, err := s.dialAdmin(); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("slapd not ready after 20s")
}

// Stop ends slapd; later calls do nothing. Tests call it to take the
// directory down.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		if s.cmd == nil || s.cmd.Process == nil {
			return
		}
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-s.exited
		}
	})
}

func (s *Server) dialAdmin() (*goldap.Conn, error) {
	c, err := goldap.DialURL("ldap://"+s.Addr, goldap.DialWithDialer(&net.Dialer{Timeout: time.Second}))
	if err != nil {
		return nil, err
	}
	c.SetTimeout(5 * time.Second)
	if err := c.Bind(AdminDN, AdminPassword); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Admin returns a connection bound as the directory's root, for tests that
// change entries; it is closed when the test ends.
func (s *Server) Admin(t testing.TB) *goldap.Conn {
	t.Helper()
	c, err := s.dialAdmin()
	if err != nil {
		t.Fatalf("ldaptest: admin bind: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Log is what slapd printed, for failure messages.
func (s *Server) Log() string { return s.log.String() }

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("no free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// load fills the database offline with slapadd, which is much faster
// than adding over LDAP and accepts the operational lock attribute.
func load(t testing.TB, slapd, dir string, attr *syscall.SysProcAttr) {
	t.Helper()
	path := filepath.Join(dir, "data.ldif")
	// slapadd is slapd under another name; Debian links them.
	slapadd := filepath.Join(filepath.Dir(slapd), "slapadd")
	cmd := exec.Command(slapadd, "-q", "-f", filepath.Join(dir, "slapd.conf"), "-l", path)
	cmd.SysProcAttr = attr
	if out, err := cmd.CombinedOutput(); err != nil {
		ldif, _ := os.ReadFile(path)
		t.Fatalf("ldaptest: slapadd: %v: %s\nLDIF:\n%s", err, out, ldif)
	}
}

// SSHA returns the {SSHA} form of a password, as slappasswd writes it.
func SSHA(password string) string {
	salt := make([]byte, 8)
	rand.Read(salt)
	h := sha1.New() //nolint:gosec // {SSHA} is defined with SHA-1
	h.Write([]byte(password))
	h.Write(salt)
	return "{SSHA}" + base64.StdEncoding.EncodeToString(append(h.Sum(nil), salt...))
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeConfig(t testing.TB, dir string, withTLS bool) {
	t.Helper()
	var b strings.Builder
	err := configTemplate.Execute(&b, map[string]any{
		"Dir": dir, "TLS": withTLS, "BaseDN": BaseDN, "AdminDN": AdminDN,
		"AdminPassword": AdminPassword, "LookupDN": LookupDN,
		"PolicyDN": "cn=default,ou=policies," + BaseDN,
	})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "slapd.conf"), b.String())
}

// The lookup account reads everything but passwords; users read
// themselves; anonymous clients may only bind. The root DN is above ACLs.
// Like Active Directory's MaxPageSize, the limits give the lookup account
// at most 500 entries a search unless it pages.
var configTemplate = template.Must(template.New("slapd.conf").Parse(`
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include {{.Dir}}/kuratest.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
pidfile {{.Dir}}/slapd.pid
argsfile {{.Dir}}/slapd.args
{{if .TLS}}
TLSCertificateFile {{.Dir}}/server.pem
TLSCertificateKeyFile {{.Dir}}/server.key
{{end}}
database mdb
maxsize 67108864
suffix "{{.BaseDN}}"
rootdn "{{.AdminDN}}"
rootpw {{.AdminPassword}}
directory {{.Dir}}/db
overlay ppolicy
ppolicy_default "{{.PolicyDN}}"
limits dn.exact="{{.LookupDN}}" size.soft=500 size.hard=500 size.pr=500 size.prtotal=unlimited
access to attrs=userPassword
	by anonymous auth
	by * none
access to *
	by dn.exact="{{.LookupDN}}" read
	by self read
	by * none
`))

// testSchema defines Active Directory's userAccountControl (with its real
// OID) in an auxiliary class, since OpenLDAP does not know it.
const testSchema = `
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
	EQUALITY integerMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.4203.666.11.1 NAME 'kuraTestADAccount'
	AUXILIARY MAY userAccountControl )
`

// lockedBuffer collects slapd's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
