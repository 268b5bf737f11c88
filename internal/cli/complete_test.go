package cli

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestCompleteTarget(t *testing.T) {
	e, _, _ := testEnv(t)
	s3 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/":
			w.Write([]byte(`<ListAllMyBucketsResult><Buckets><Bucket><Name>photos</Name></Bucket><Bucket><Name>logs</Name></Bucket></Buckets></ListAllMyBucketsResult>`))
		case r.URL.Path == "/photos" && r.URL.Query().Get("prefix") == "2024":
			w.Write([]byte(`<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>2024.txt</Key></Contents><CommonPrefixes><Prefix>2024/</Prefix></CommonPrefixes></ListBucketResult>`))
		default:
			http.Error(w, "unexpected "+r.URL.String(), http.StatusBadRequest)
		}
	}))
	defer s3.Close()
	setAlias(t, e, "srv", Alias{URL: s3.URL, AccessKey: "AK", SecretKey: "SECRETKEY", API: "s3v4"})
	setAlias(t, e, "second", Alias{URL: s3.URL, API: "s3v4"})
	for _, c := range []struct {
		word      string
		want      string
		directive cobra.ShellCompDirective
	}{
		{"s", "second/,srv/", cobra.ShellCompDirectiveNoSpace},
		{"sr", "srv/", cobra.ShellCompDirectiveNoSpace},
		{"./local", "", cobra.ShellCompDirectiveDefault},                   // files: the shell's job
		{"srv/", "srv/photos/,srv/logs/", cobra.ShellCompDirectiveNoSpace}, // in the server's order
		{"srv/p", "srv/photos/", cobra.ShellCompDirectiveNoSpace},
		{"srv/photos/2024", "srv/photos/2024.txt,srv/photos/2024/", cobra.ShellCompDirectiveNoSpace},
	} {
		got, directive := e.completeTarget(nil, nil, c.word)
		if strings.Join(got, ",") != c.want || directive != c.directive {
			t.Errorf("complete %q = %v, %v; want %s, %v", c.word, got, directive, c.want, c.directive)
		}
	}
}
