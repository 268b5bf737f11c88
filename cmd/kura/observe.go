package main

import "github.com/kurastore/kura/internal/httpapi"

// requestObservers are told of every request the server answered: the
// metrics and the operator's logs each add one.
type requestObservers []func(*httpapi.RequestRecord)

// hook is the one observer the API server calls; nil when there are
// none, so that the server follows no request for nothing.
func (o requestObservers) hook() func(*httpapi.RequestRecord) {
	if len(o) == 0 {
		return nil
	}
	return func(r *httpapi.RequestRecord) {
		for _, observe := range o {
			observe(r)
		}
	}
}
