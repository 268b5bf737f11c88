package cli

import (
	"context"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/client"
)

func init() { register(presignCommand) }

// presigned is the answer of presign.
type presigned struct {
	URL     string    `json:"url"`
	Method  string    `json:"method"`
	Target  string    `json:"target"`
	Expires time.Time `json:"expires"`
}

func (p presigned) Text() string { return p.URL }

func presignCommand(e *Env) *cobra.Command {
	var expire, versionID, contentType string
	var put bool
	cmd := &cobra.Command{
		Use:   "presign [--expire 7d] [--put] ALIAS/BUCKET/KEY",
		Short: "Print a URL that downloads (or, with --put, uploads) an object without keys",
		Long: `presign prints a presigned URL (mc share download / share upload).
Anyone with the URL may GET the object, or PUT it with --put
(curl -T file URL), until it expires: at most 7 days.`,
		Args: cobra.ExactArgs(1),
	}
	cmd.Flags().StringVarP(&expire, "expire", "E", "7d", "validity, 1s to 7d")
	cmd.Flags().BoolVar(&put, "put", false, "a URL to upload the object instead of downloading it")
	cmd.Flags().StringVar(&versionID, "version-id", "", "a URL for this version (downloads)")
	cmd.Flags().StringVar(&contentType, "content-type", "", "Content-Type the download answers with")
	cmd.ValidArgsFunction = e.completeTarget
	cmd.RunE = e.Run(func(ctx context.Context, args []string) error {
		t, err := e.ResolveObject(args[0])
		if err != nil {
			return err
		}
		d, err := ParseDuration(expire)
		if err != nil {
			return err
		}
		method := http.MethodGet
		opts := client.PresignOptions{VersionID: versionID}
		if put {
			method = http.MethodPut
			opts.VersionID = ""
		} else if contentType != "" {
			opts.ResponseHeaders = map[string][]string{"response-content-type": {contentType}}
		}
		now := time.Now()
		opts.RequestDate = now
		u, err := t.Client.GetPresignedURL(ctx, method, t.Bucket, t.Key, d, opts)
		if err != nil {
			return err
		}
		e.Printer().Print(presigned{URL: u.String(), Method: method, Target: t.String(), Expires: now.Add(d).UTC().Truncate(time.Second)})
		return nil
	})
	return cmd
}
