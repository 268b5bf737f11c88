package ldaptest

import (
	"fmt"
	"strings"
	"testing"
)

// buildLDIF writes the whole directory: the base, the lookup account, the
// default password policy, the users and the groups.
func buildLDIF(t testing.TB, opts Options) string {
	t.Helper()
	var b strings.Builder
	entry := func(lines ...string) {
		b.WriteString(strings.Join(lines, "\n"))
		b.WriteString("\n\n")
	}
	entry("dn: "+BaseDN, "objectClass: dcObject", "objectClass: organization", "dc: kura", "o: kura test")
	entry("dn: "+LookupDN, "objectClass: organizationalRole", "objectClass: simpleSecurityObject",
		"cn: lookup", "userPassword: "+SSHA(LookupPassword))
	entry("dn: ou=policies,"+BaseDN, "objectClass: organizationalUnit", "ou: policies")
	// Lock-out is on, so an administrator's pwdAccountLockedTime is
	// enforced at bind.
	entry("dn: cn=default,ou=policies,"+BaseDN, "objectClass: device", "objectClass: pwdPolicy",
		"cn: default", "pwdAttribute: userPassword", "pwdLockout: TRUE")
	entry("dn: "+UsersDN, "objectClass: organizationalUnit", "ou: users")
	entry("dn: "+GroupsDN, "objectClass: organizationalUnit", "ou: groups")
	for _, u := range opts.Users {
		entry(userLines(u)...)
	}
	for _, g := range opts.Groups {
		if len(g.Members) == 0 {
			t.Fatalf("ldaptest: group %q needs a member (groupOfNames requires one)", g.CN)
		}
		lines := []string{"dn: " + GroupDN(g.CN), "objectClass: groupOfNames", "cn: " + g.CN}
		for _, m := range g.Members {
			lines = append(lines, "member: "+UserDN(m))
		}
		entry(lines...)
	}
	return b.String()
}

func userLines(u User) []string {
	cn := u.CN
	if cn == "" {
		cn = u.UID
	}
	// The objectClass values stay together: split by other attributes,
	// slapadd found no structural class in them.
	lines := []string{"dn: " + UserDN(u.UID), "objectClass: inetOrgPerson"}
	if u.UserAccountControl != 0 {
		lines = append(lines, "objectClass: kuraTestADAccount",
			fmt.Sprintf("userAccountControl: %d", u.UserAccountControl))
	}
	lines = append(lines, "uid: "+u.UID, "cn: "+cn, "sn: "+u.UID)
	if u.Password != "" {
		lines = append(lines, "userPassword: "+SSHA(u.Password))
	}
	if u.Locked {
		// The value OpenLDAP reserves for "locked until an administrator
		// unlocks".
		lines = append(lines, "pwdAccountLockedTime: 000001010000Z")
	}
	return lines
}
