package httpapi

import (
	"net/http"
	"net/http/pprof"
	"runtime"
	rpprof "runtime/pprof"
	"strconv"

	"github.com/kurastore/kura/s3err"
)

// mutexBlockRate is the sampling rate turned on while a mutex or block
// profile is being taken, and off again afterwards, so that a server pays
// for contention profiling only while someone looks.
const mutexBlockRate = 5

// adminProfile serves Go's runtime profiles (the ones net/http/pprof
// serves at /debug/pprof) behind admin authentication: "profile" (CPU,
// ?seconds=N), "trace", and every named profile (heap, allocs, goroutine,
// mutex, block, threadcreate). They live under the admin prefix because
// /debug is a valid bucket name.
func (s *Server) adminProfile(rq *request, v map[string]string) (any, error) {
	name := v["profile"]
	switch name {
	case "profile":
		return http.HandlerFunc(pprof.Profile), nil
	case "trace":
		return http.HandlerFunc(pprof.Trace), nil
	}
	if rpprof.Lookup(name) == nil {
		return nil, s3err.ErrInvalidArgument.WithMessage("Unknown profile %q.", name)
	}
	if name == "mutex" || name == "block" {
		if secs, _ := strconv.Atoi(rq.http.URL.Query().Get("seconds")); secs > 0 {
			// A delta profile over the window needs sampling switched on.
			prevMutex := runtime.SetMutexProfileFraction(mutexBlockRate)
			runtime.SetBlockProfileRate(mutexBlockRate)
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer runtime.SetMutexProfileFraction(prevMutex)
				defer runtime.SetBlockProfileRate(0)
				pprof.Handler(name).ServeHTTP(w, r)
			}), nil
		}
	}
	return pprof.Handler(name), nil
}
