package iam

import "github.com/kurastore/kura/wire/policy"

// canned are the built-in policies, by name.
var canned = map[string]*policy.Policy{
	"readonly":    policy.Readonly(),
	"readwrite":   policy.Readwrite(),
	"writeonly":   policy.Writeonly(),
	"diagnostics": policy.Diagnostics(),
}
