// Package transfer moves files between local directories and S3 buckets
// for kura's client commands: cp and mirror. Files are copied several at a
// time; a large upload is a multipart upload with parts in parallel, and
// one that was interrupted is continued by the next run rather than
// started over. Every byte is checked: uploads carry a checksum the
// server verifies, downloads are verified against the object's checksum
// or MD5 ETag before they are renamed into place.
package transfer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kurastore/kura/client"
	"golang.org/x/sync/errgroup"
)

// Defaults of Options.
const (
	DefaultParallel     = 16
	DefaultPartParallel = 8
	// minPartSize is the smallest part the engine uses; files below it
	// go in one PUT.
	minPartSize = 16 << 20
	s3MinPart   = 5 << 20
	s3MaxPart   = 5 << 30
	maxParts    = 10000
	// targetParts is how many parts a large file is cut into at most
	// before parts grow past minPartSize: fewer, larger requests for
	// very large files.
	targetParts = 1000
)

// Observer is told of each transfer as it runs. Calls come from several
// goroutines at once.
type Observer interface {
	// Planned announces files and bytes about to be transferred, once
	// per batch (cp: once; mirror --watch: once per change).
	Planned(files int, bytes int64)
	// Started: a transfer begins.
	Started(t *Task)
	// Moved: n more bytes of t were sent or written; negative when a
	// retried request takes back bytes it had counted.
	Moved(t *Task, n int64)
	// Finished: t ended, with err nil on success.
	Finished(t *Task, err error)
	// Removed: mirror --remove deleted target (err nil) or failed to.
	Removed(target string, err error)
}

// Task is one file to transfer.
type Task struct {
	Source, Target Location
	Size           int64
	// Resumed is the number of bytes of a continued upload that were
	// already on the server.
	Resumed int64
	// mtime is the source's modification time; recorded says it is a
	// file's time rather than an upload's.
	mtime    time.Time
	recorded bool
	// dateFile (mirror) dates a downloaded file by its object even
	// without Preserve, so that the next mirror sees it unchanged.
	dateFile bool
}

// Options configure an Engine.
type Options struct {
	// Parallel is how many files are transferred at once.
	Parallel int
	// PartParallel is how many parts of one file are sent at once.
	PartParallel int
	// PartSize, when not 0, is the size of multipart parts (5 MiB to 5
	// GiB) and the size from which an upload is multipart; otherwise it
	// is chosen from the file's size.
	PartSize int64
	// Preserve keeps a local file's modification time and mode as object
	// metadata and restores them on download; a copy between buckets
	// keeps metadata and tags either way.
	Preserve bool
	// StorageClass of uploaded and copied objects; "" for the server's
	// default.
	StorageClass string
	// Metadata is added to every uploaded or copied object.
	Metadata map[string]string
	// ResumeDir holds the state of unfinished uploads; "" is
	// kura/uploads in the user's cache directory.
	ResumeDir string
	// Observer is told of progress; nil for none.
	Observer Observer
	// afterPart, in tests, runs after each part is stored; an error
	// stops the upload there as an interruption would.
	afterPart func(number int) error
}

// Engine runs transfers.
type Engine struct {
	opts Options
	obs  Observer
}

// New returns an engine with opts.
func New(opts Options) (*Engine, error) {
	if opts.Parallel < 0 || opts.PartParallel < 0 {
		return nil, errors.New("parallelism must not be negative")
	}
	if opts.PartSize != 0 && (opts.PartSize < s3MinPart || opts.PartSize > s3MaxPart) {
		return nil, fmt.Errorf("part size %d is not between 5 MiB and 5 GiB", opts.PartSize)
	}
	if opts.Parallel == 0 {
		opts.Parallel = DefaultParallel
	}
	if opts.PartParallel == 0 {
		opts.PartParallel = DefaultPartParallel
	}
	obs := opts.Observer
	if obs == nil {
		obs = nopObserver{}
	}
	return &Engine{opts: opts, obs: obs}, nil
}

type nopObserver struct{}

func (nopObserver) Planned(int, int64)    {}
func (nopObserver) Started(*Task)         {}
func (nopObserver) Moved(*Task, int64)    {}
func (nopObserver) Finished(*Task, error) {}
func (nopObserver) Removed(string, error) {}

// partSizeFor is the part size of a file of size bytes: the configured
// one, else at least minPartSize and large enough that targetParts
// parts (and S3's 10,000) hold the file.
func (e *Engine) partSizeFor(size int64) int64 {
	n := e.opts.PartSize
	if n == 0 {
		n = max(int64(minPartSize), ceilMiB(size/targetParts))
	}
	return min(max(n, ceilMiB((size+maxParts-1)/maxParts)), s3MaxPart)
}

func ceilMiB(n int64) int64 {
	const mib = 1 << 20
	return (n + mib - 1) / mib * mib
}

// Run transfers tasks, Parallel at a time. A failed file does not stop
// the others; the errors are joined. Cancelling ctx stops everything.
func (e *Engine) Run(ctx context.Context, tasks []*Task) error {
	var total int64
	for _, t := range tasks {
		total += t.Size
	}
	e.obs.Planned(len(tasks), total)
	var g errgroup.Group
	g.SetLimit(e.opts.Parallel)
	var (
		mu   sync.Mutex
		errs []error
	)
	for _, t := range tasks {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if ctx.Err() != nil {
				return nil
			}
			err := e.transfer(ctx, t)
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s -> %s: %w", t.Source, t.Target, err))
				mu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return errors.Join(append([]error{err}, errs...)...)
	}
	return errors.Join(errs...)
}

// transfer moves one file and tells the observer.
func (e *Engine) transfer(ctx context.Context, t *Task) error {
	e.obs.Started(t)
	var err error
	switch {
	case t.Source.Remote() && t.Target.Remote():
		err = e.copyRemote(ctx, t)
	case t.Source.Remote():
		err = e.download(ctx, t)
	case t.Target.Remote():
		err = e.upload(ctx, t)
	default:
		err = e.copyLocal(ctx, t)
	}
	e.obs.Finished(t, err)
	return err
}

// sameServer reports whether two clients talk to the same endpoint, so
// that a copy between them can happen on the server.
func sameServer(a, b *client.Client) bool {
	return a == b || a.Endpoint().String() == b.Endpoint().String()
}
