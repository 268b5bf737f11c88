package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kurastore/kura/client"
)

func init() { register(statCommand) }

func statCommand(e *Env) *cobra.Command {
	var versionID string
	var recursive bool
	cmd := &cobra.Command{
		Use:   "stat ALIAS/BUCKET[/KEY]...",
		Short: "Show an object's or a bucket's details",
		Args:  cobra.MinimumNArgs(1),
	}
	cmd.Flags().StringVar(&versionID, "version-id", "", "the version of the object")
	cmd.Flags().BoolVarP(&recursive, "recursive", "r", false, "show every object under a bucket or a prefix")
	cmd.ValidArgsFunction = e.completeTarget
	cmd.RunE = e.Run(func(ctx context.Context, args []string) error {
		if recursive && versionID != "" {
			return errors.New("--version-id names one object: it does not go with --recursive")
		}
		for _, arg := range args {
			t, err := e.ResolveBucket(arg)
			if err != nil {
				return err
			}
			if recursive {
				if err := e.statTree(ctx, t); err != nil {
					return fmt.Errorf("%s: %w", t, err)
				}
				continue
			}
			var r Record
			switch {
			case t.Key == "":
				r, err = statBucket(ctx, t)
			case t.IsPrefix():
				err = errors.New("a prefix has no details of its own: stat --recursive shows its objects")
			default:
				r, err = statObject(ctx, t, versionID)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
			e.Printer().Print(r)
		}
		return nil
	})
	return cmd
}

// objectStat is stat's answer for an object.
type objectStat struct {
	Name               string            `json:"name"`
	Type               string            `json:"type"`
	LastModified       time.Time         `json:"lastModified"`
	Size               int64             `json:"size"`
	ETag               string            `json:"etag"`
	ContentType        string            `json:"contentType,omitempty"`
	VersionID          string            `json:"versionId,omitempty"`
	StorageClass       string            `json:"storageClass,omitempty"`
	Metadata           map[string]string `json:"metadata,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
	Checksums          map[string]string `json:"checksums,omitempty"`
	Encryption         string            `json:"encryption,omitempty"`
	RetentionMode      string            `json:"retentionMode,omitempty"`
	RetainUntil        *time.Time        `json:"retainUntil,omitempty"`
	LegalHold          string            `json:"legalHold,omitempty"`
	ReplicationStatus  string            `json:"replicationStatus,omitempty"`
	PartsCount         int               `json:"partsCount,omitempty"`
	ContentEncoding    string            `json:"contentEncoding,omitempty"`
	CacheControl       string            `json:"cacheControl,omitempty"`
	ContentDisposition string            `json:"contentDisposition,omitempty"`
}

// sortedPairs writes a map as "k=v" pairs in key order.
func sortedPairs(m map[string]string, sep string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, sep)
}

func (s objectStat) Text() string {
	var b strings.Builder
	line := func(name, value string) {
		if value != "" {
			fmt.Fprintf(&b, "%-12s: %s\n", name, value)
		}
	}
	line("Name", s.Name)
	line("Date", s.LastModified.UTC().Format("2006-01-02 15:04:05 MST"))
	line("Size", fmt.Sprintf("%s (%d bytes)", FormatSize(s.Size), s.Size))
	line("ETag", s.ETag)
	line("Type", s.Type)
	line("Content-Type", s.ContentType)
	line("VersionID", s.VersionID)
	line("StorageClass", s.StorageClass)
	line("Encryption", s.Encryption)
	if len(s.Metadata) > 0 {
		line("Metadata", sortedPairs(s.Metadata, ", "))
	}
	if len(s.Tags) > 0 {
		line("Tags", sortedPairs(s.Tags, ", "))
	}
	if len(s.Checksums) > 0 {
		line("Checksums", sortedPairs(s.Checksums, ", "))
	}
	if s.RetentionMode != "" {
		until := ""
		if s.RetainUntil != nil {
			until = " until " + s.RetainUntil.UTC().Format(time.RFC3339)
		}
		line("Retention", s.RetentionMode+until)
	}
	line("LegalHold", s.LegalHold)
	line("Replication", s.ReplicationStatus)
	return strings.TrimSuffix(b.String(), "\n")
}

func statObject(ctx context.Context, t Target, versionID string) (objectStat, error) {
	info, err := t.Client.StatObject(ctx, t.Bucket, t.Key, client.StatObjectOptions{VersionID: versionID, ChecksumMode: true})
	if err != nil {
		return objectStat{}, err
	}
	s := objectStat{
		Name: t.String(), Type: "file", LastModified: info.LastModified, Size: info.Size, ETag: info.ETag,
		ContentType: info.ContentType, VersionID: info.VersionID, StorageClass: info.StorageClass,
		Metadata: info.Metadata, Encryption: info.ServerSideEncryption, PartsCount: info.PartsCount,
		ContentEncoding: info.ContentEncoding, CacheControl: info.CacheControl, ContentDisposition: info.ContentDisposition,
		RetentionMode:     info.Header.Get("x-amz-object-lock-mode"),
		LegalHold:         info.Header.Get("x-amz-object-lock-legal-hold"),
		ReplicationStatus: info.Header.Get("x-amz-replication-status"),
	}
	if s.Encryption == "" && info.SSECustomerAlgorithm != "" {
		s.Encryption = "SSE-C"
	}
	if until, err := time.Parse(time.RFC3339, info.Header.Get("x-amz-object-lock-retain-until-date")); err == nil {
		s.RetainUntil = &until
	}
	for alg, sum := range info.Checksums {
		if s.Checksums == nil {
			s.Checksums = map[string]string{}
		}
		s.Checksums[string(alg)] = sum
	}
	if info.TagCount > 0 {
		tags, err := t.Client.GetObjectTags(ctx, t.Bucket, t.Key, client.ObjectTagsOptions{VersionID: info.VersionID})
		if err != nil {
			return objectStat{}, fmt.Errorf("tags: %w", err)
		}
		s.Tags = tags
	}
	return s, nil
}

// bucketStat is stat's answer for a bucket: its configuration, each part
// empty when the bucket has none.
type bucketStat struct {
	Name        string            `json:"name"`
	Type        string            `json:"type"`
	Versioning  string            `json:"versioning,omitempty"`
	ObjectLock  *objectLockStat   `json:"objectLock,omitempty"`
	Policy      bool              `json:"policy"`
	Encryption  string            `json:"encryption,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Lifecycle   int               `json:"lifecycleRules,omitempty"`
	Replication int               `json:"replicationRules,omitempty"`
}

type objectLockStat struct {
	Enabled bool   `json:"enabled"`
	Mode    string `json:"mode,omitempty"`
	Days    int    `json:"days,omitempty"`
	Years   int    `json:"years,omitempty"`
}

func (s bucketStat) Text() string {
	var b strings.Builder
	line := func(name, value string) { fmt.Fprintf(&b, "%-12s: %s\n", name, value) }
	line("Name", s.Name)
	line("Type", s.Type)
	v := s.Versioning
	if v == "" {
		v = "Un-versioned"
	}
	line("Versioning", v)
	lock := "Disabled"
	if s.ObjectLock != nil {
		lock = "Enabled"
		switch {
		case s.ObjectLock.Days > 0:
			lock += fmt.Sprintf(", default %s for %d days", s.ObjectLock.Mode, s.ObjectLock.Days)
		case s.ObjectLock.Years > 0:
			lock += fmt.Sprintf(", default %s for %d years", s.ObjectLock.Mode, s.ObjectLock.Years)
		}
	}
	line("ObjectLock", lock)
	policy := "none"
	if s.Policy {
		policy = "set"
	}
	line("Policy", policy)
	if s.Encryption != "" {
		line("Encryption", s.Encryption)
	}
	if len(s.Tags) > 0 {
		line("Tags", sortedPairs(s.Tags, ", "))
	}
	if s.Lifecycle > 0 {
		line("Lifecycle", fmt.Sprintf("%d rules", s.Lifecycle))
	}
	if s.Replication > 0 {
		line("Replication", fmt.Sprintf("%d rules", s.Replication))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// absent reports whether err says a bucket has no such configuration
// (or that the server does not know the configuration at all).
func absent(err error) bool {
	return client.IsNotFound(err) || client.ErrorCode(err) == "NotImplemented"
}

func statBucket(ctx context.Context, t Target) (bucketStat, error) {
	ok, err := t.Client.BucketExists(ctx, t.Bucket)
	if err != nil {
		return bucketStat{}, err
	}
	if !ok {
		return bucketStat{}, errors.New("no such bucket")
	}
	s := bucketStat{Name: t.String(), Type: "bucket"}
	v, err := t.Client.GetBucketVersioning(ctx, t.Bucket)
	if err != nil {
		return s, fmt.Errorf("versioning: %w", err)
	}
	s.Versioning = v.Status
	lock, err := t.Client.GetObjectLockConfig(ctx, t.Bucket)
	switch {
	case err == nil && lock.ObjectLockEnabled != "":
		s.ObjectLock = &objectLockStat{Enabled: true}
		if lock.Rule != nil {
			r := lock.Rule.DefaultRetention
			s.ObjectLock.Mode, s.ObjectLock.Days, s.ObjectLock.Years = r.Mode, r.Days, r.Years
		}
	case err != nil && !absent(err):
		return s, fmt.Errorf("object lock: %w", err)
	}
	policy, err := t.Client.GetBucketPolicy(ctx, t.Bucket)
	if err != nil && !absent(err) {
		return s, fmt.Errorf("policy: %w", err)
	}
	s.Policy = err == nil && policy != ""
	enc, err := t.Client.GetBucketEncryption(ctx, t.Bucket)
	switch {
	case err == nil && len(enc.Rules) > 0 && enc.Rules[0].Default != nil:
		s.Encryption = enc.Rules[0].Default.Algorithm
	case err != nil && !absent(err):
		return s, fmt.Errorf("encryption: %w", err)
	}
	tags, err := t.Client.GetBucketTags(ctx, t.Bucket)
	switch {
	case err == nil:
		s.Tags = tags
	case !absent(err):
		return s, fmt.Errorf("tags: %w", err)
	}
	lc, err := t.Client.GetBucketLifecycle(ctx, t.Bucket)
	switch {
	case err == nil:
		s.Lifecycle = len(lc.Rules)
	case !absent(err):
		return s, fmt.Errorf("lifecycle: %w", err)
	}
	rep, err := t.Client.GetBucketReplication(ctx, t.Bucket)
	switch {
	case err == nil:
		s.Replication = len(rep.Rules)
	case !absent(err):
		return s, fmt.Errorf("replication: %w", err)
	}
	return s, nil
}

// statTree shows every object under t, one HEAD each.
func (e *Env) statTree(ctx context.Context, t Target) error {
	return walk(ctx, t, walkOptions{Recursive: true}, func(bucket string, o client.ObjectInfo) error {
		if !underTarget(t, o.Key) {
			return nil
		}
		obj := t
		obj.Bucket, obj.Key = bucket, o.Key
		s, err := statObject(ctx, obj, "")
		if client.IsNotFound(err) {
			return nil // deleted since it was listed
		}
		if err != nil {
			return fmt.Errorf("%s: %w", obj, err)
		}
		e.Printer().Print(s)
		return nil
	})
}
