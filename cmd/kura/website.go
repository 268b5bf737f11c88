package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/spf13/cobra"
)

// websiteFlags configure the static website endpoints.
type websiteFlags struct {
	domain  string
	address string
}

func addWebsiteFlags(cmd *cobra.Command, f *websiteFlags) {
	cmd.Flags().StringVar(&f.domain, "website-domain", "", "serve buckets' static websites: a request whose Host is <bucket>.DOMAIN (any port) gets the bucket's website (index and error documents, redirects, HTML errors) instead of the S3 API")
	cmd.Flags().StringVar(&f.address, "website-address", "", "also listen on this address for website requests only: the bucket is <bucket> of Host <bucket>.DOMAIN, or the whole Host name (a CNAME pointed at kura)")
}

// check refuses a website domain that would take the S3 API's virtual
// hosts.
func (f websiteFlags) check(apiDomain string) error {
	d := strings.ToLower(strings.TrimPrefix(f.domain, "."))
	if d != "" && d == strings.ToLower(strings.TrimPrefix(apiDomain, ".")) {
		return errors.New("--website-domain must differ from --domain: website and S3 API requests are told apart by their host name")
	}
	return nil
}

// listen opens the website-only listener, nil when there is none.
func (f websiteFlags) listen() (net.Listener, error) {
	if f.address == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", f.address)
	if err != nil {
		return nil, fmt.Errorf("--website-address: %w", err)
	}
	return ln, nil
}

// websiteServer is the http.Server of the website listener, with the API
// server's limits.
func websiteServer(api *http.Server, handler http.Handler) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: api.ReadHeaderTimeout,
		IdleTimeout:       api.IdleTimeout,
		MaxHeaderBytes:    api.MaxHeaderBytes,
		ErrorLog:          api.ErrorLog,
		// A copy: each server adds its HTTP/2 protocols to its own.
		TLSConfig: api.TLSConfig.Clone(),
	}
}
