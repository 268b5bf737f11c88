package main

import (
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/admin"
	"github.com/kurastore/kura/client"
	"github.com/kurastore/kura/internal/console"
	"github.com/kurastore/kura/internal/iam"
)

func addConsoleFlags(cmd *cobra.Command, address, apiURL *string) {
	cmd.Flags().StringVar(address, "console-address", "", "serve the web console on this address (for example :9001), "+
		"with the API's TLS settings; off when empty, the default")
	cmd.Flags().StringVar(apiURL, "console-api-url", "", "the API's public address (for example https://s3.example.com), "+
		"which links shared from the console name; default: the console's scheme and host name with the API's port")
}

// consoleListen listens on the console's address, or returns nil when
// the console is off.
func consoleListen(address string) (net.Listener, error) {
	if address == "" {
		return nil, nil
	}
	return net.Listen("tcp", address)
}

// consoleHandler is the console, acting through the API listening on
// apiAddr. It reaches the API on the loopback interface: the console is
// a client of its own server, whose requests IAM authorizes as any
// other client's.
//
// Directory and OpenID logins get their temporary credentials from the
// same API's STS; logins (the IAM store of this process) lists the
// providers the login page offers. consoleAddr is the console's
// listener, whose /oauth/callback is the default redirect URL.
func consoleHandler(apiAddr, consoleAddr net.Addr, secure bool, region, publicAPIURL string, ids *iam.Store, log *slog.Logger) (http.Handler, error) {
	endpoint := loopbackEndpoint(apiAddr)
	scheme := "http"
	if secure {
		scheme = "https"
	}
	logins := consoleLogins{ids: ids, callback: scheme + "://" + browsableAddr(consoleAddr) + "/oauth/callback"}
	// One transport for every session: its connections to the API are
	// shared, not kept idle per logged-in user.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DisableCompression = true // as the SDK's own transport
	// The server's own listener, reached on the loopback interface: its
	// certificate names the public host, not 127.0.0.1.
	transport.TLSClientConfig = &tls.Config{InsecureSkipVerify: secure, MinVersion: tls.VersionTLS12}
	return console.New(console.Config{
		Secure:       secure,
		Logger:       log,
		PublicAPIURL: publicAPIURL,
		STSEndpoint:  scheme + "://" + endpoint,
		STSClient:    &http.Client{Transport: transport, Timeout: time.Minute},
		LoginMethods: logins.methods,
		OpenIDClient: logins.openID,
		NewClient: func(accessKey, secretKey, sessionToken string) (*client.Client, error) {
			return client.New(endpoint, &client.Options{
				AccessKey: accessKey, SecretKey: secretKey, SessionToken: sessionToken,
				Secure: secure, Region: region, Transport: transport,
			})
		},
		NewAdmin: func(accessKey, secretKey, sessionToken string) (*admin.Client, error) {
			c, err := admin.New(endpoint, accessKey, secretKey, secure,
				admin.WithSessionToken(sessionToken), admin.WithTransport(transport))
			if err != nil {
				return nil, err
			}
			return c.WithRegion(region), nil
		},
	})
}

// loopbackEndpoint is host:port of the API: on the loopback interface
// when it listens on every interface, else its own address.
func loopbackEndpoint(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "127.0.0.1" // also served by a dual-stack listener on [::]
	}
	return net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}

// browsableAddr is host:port of a listener as a person on this machine
// opens it: "localhost" for a listener on every interface (a browser
// does not take [::] or 0.0.0.0 as a host to visit).
func browsableAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	return net.JoinHostPort("localhost", strconv.Itoa(tcp.Port))
}
