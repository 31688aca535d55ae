package redress

import (
	"errors"

	"github.com/redresshq/redress/storage"
)

// Errors returned by the Desk. The storage sentinels are re-exported so an embedder needs only this
// package to branch on them.
var (
	// ErrNotFound: no such complaint in the caller's tenant (another tenant's complaint is not found too).
	ErrNotFound = storage.ErrNotFound
	// ErrConflict: the complaint changed since the version the caller named.
	ErrConflict = storage.ErrConflict
	// ErrDenied is matched by every denial of the authorization policy.
	ErrDenied = errors.New("redress: denied by policy")
	// ErrInvalid: the request itself is malformed (missing tenant, actor or ID).
	ErrInvalid = errors.New("redress: invalid request")
)
