// Package dirstore implements blob.Store on a local directory. Each blob is
// one file in the framed format of package blob, at dir/ab/cd/<id>, where
// ab and cd are the id's first hex digits. Object names never become paths.
package dirstore
