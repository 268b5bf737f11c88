package iam

import "github.com/kurastore/kura/wire/policy"

// cannedDocs are the built-in policies, with MinIO's meanings.
var cannedDocs = map[string]string{
	"readonly":    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetBucketLocation","s3:GetObject","s3:ListBucket","s3:ListAllMyBuckets"],"Resource":["arn:aws:s3:::*"]}]}`,
	"readwrite":   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::*"]}]}`,
	"writeonly":   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject"],"Resource":["arn:aws:s3:::*"]}]}`,
	"diagnostics": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["admin:ServerInfo","admin:ServerTrace","admin:Prometheus"],"Resource":["arn:aws:s3:::*"]}]}`,
}

var canned = func() map[string]*policy.Policy {
	m := make(map[string]*policy.Policy, len(cannedDocs))
	for name, doc := range cannedDocs {
		p, err := policy.Parse([]byte(doc))
		if err != nil {
			panic("iam: built-in policy " + name + ": " + err.Error())
		}
		m[name] = p
	}
	return m
}()
