package ldaptest

import (
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// dropPrivileges returns the credentials slapd and slapadd run with when
// the tests run as root: the openldap account (or nobody), which is then
// given the server's directory. A directory server started by a test has
// no reason to hold root. As any other user the tools run as that user.
func dropPrivileges(t testing.TB, dir string) *syscall.SysProcAttr {
	t.Helper()
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() != 0 {
		return attr
	}
	uid, gid, ok := unprivilegedAccount()
	if !ok {
		return attr
	}
	// t.TempDir's parent is private to root too; slapd must reach dir.
	for _, p := range []string{filepath.Dir(dir), dir} {
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, uid, gid)
	})
	if err != nil {
		t.Fatal(err)
	}
	attr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	return attr
}

func unprivilegedAccount() (uid, gid int, ok bool) {
	for _, name := range []string{"openldap", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.Atoi(u.Uid)
		gid, err2 := strconv.Atoi(u.Gid)
		if err1 == nil && err2 == nil {
			return uid, gid, true
		}
	}
	return 0, 0, false
}
