package s3err

import "net/http"

// Errors of transitioned objects (lifecycle transitions to a storage
// tier) and their restores.
var (
	// ErrInvalidObjectState refuses an operation the object's storage
	// class does not allow, such as a restore of an object that was never
	// transitioned.
	ErrInvalidObjectState = def("InvalidObjectState", http.StatusForbidden, "The operation is not valid for the object's storage class.")
	// ErrRestoreAlreadyInProgress refuses a restore of an object whose
	// restore is still being made.
	ErrRestoreAlreadyInProgress = def("RestoreAlreadyInProgress", http.StatusConflict, "Object restore is already in progress.")
)
