package sqlite

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	driver "modernc.org/sqlite"
	lib "modernc.org/sqlite/lib"

	"github.com/redresshq/redress/storage"
)

// ErrBusy: another process held the database lock for longer than the busy timeout.
var ErrBusy = errors.New("sqlite: database is busy")

// sqliteHeader opens every SQLite 3 database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// checkFile refuses, before SQLite touches anything, what Open can tell from the file system alone: a
// missing directory, a directory in place of the file, a file that is not a SQLite database, and a
// file or directory without write permission. Permission bits are honoured even for a process that
// could write anyway (root): marking a file read-only is a request not to change it.
func checkFile(path string) error {
	dir := filepath.Dir(path)
	di, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("sqlite: open %s: directory: %w", path, err)
	}
	if !di.IsDir() {
		return fmt.Errorf("sqlite: open %s: %s is not a directory", path, dir)
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if di.Mode().Perm()&0o222 == 0 {
			return fmt.Errorf("sqlite: open %s: %w: directory %s is not writable", path, ErrReadOnly, dir)
		}
		return nil
	case err != nil:
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	case fi.IsDir():
		return fmt.Errorf("sqlite: open %s: is a directory", path)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("sqlite: open %s: %w: not a regular file", path, ErrForeignDatabase)
	}
	if fi.Size() > 0 {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		head := make([]byte, len(sqliteHeader))
		_, err = io.ReadFull(f, head)
		_ = f.Close()
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		if !bytes.Equal(head, sqliteHeader) {
			return fmt.Errorf("sqlite: open %s: %w: not a SQLite database file", path, ErrForeignDatabase)
		}
	}
	switch {
	case fi.Mode().Perm()&0o222 == 0:
		return fmt.Errorf("sqlite: open %s: %w: file is not writable", path, ErrReadOnly)
	case di.Mode().Perm()&0o222 == 0:
		return fmt.Errorf("sqlite: open %s: %w: directory %s is not writable (WAL keeps files beside the database)",
			path, ErrReadOnly, dir)
	}
	return nil
}

// code returns the (extended) SQLite result code carried by err, or 0.
func code(err error) int {
	var se *driver.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// mapError adds this package's sentinel to a driver error when one applies: ErrBusy, ErrReadOnly.
// The driver error stays in the chain.
func mapError(err error) error {
	switch code(err) & 0xff { // primary code
	case lib.SQLITE_BUSY, lib.SQLITE_LOCKED:
		return fmt.Errorf("%w: %w", ErrBusy, err)
	case lib.SQLITE_READONLY:
		return fmt.Errorf("%w: %w", ErrReadOnly, err)
	}
	return err
}

// mapOpenError is mapError plus what opening a file can meet: a file SQLite cannot read as a
// database (ErrForeignDatabase) or cannot open (ErrReadOnly when permission is what failed).
func mapOpenError(err error) error {
	switch code(err) & 0xff {
	case lib.SQLITE_NOTADB, lib.SQLITE_CORRUPT:
		return fmt.Errorf("%w: %w", ErrForeignDatabase, err)
	case lib.SQLITE_PERM:
		return fmt.Errorf("%w: %w", ErrReadOnly, err)
	}
	return mapError(err)
}

// mapConstraint maps a failed insert: a unique or primary-key violation becomes onDuplicate, a
// foreign-key violation (the complaint does not exist) storage.ErrNotFound; others go to mapError.
// what names the row for the message.
func mapConstraint(err error, onDuplicate error, what string) error {
	switch code(err) {
	case lib.SQLITE_CONSTRAINT_UNIQUE, lib.SQLITE_CONSTRAINT_PRIMARYKEY:
		return fmt.Errorf("%w: %s: %w", onDuplicate, what, err)
	case lib.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("%w: %s: no such complaint: %w", storage.ErrNotFound, what, err)
	}
	return fmt.Errorf("sqlite: %s: %w", what, mapError(err))
}
