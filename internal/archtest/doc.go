// Package archtest holds the test that keeps redress's layering honest: imports point down the layers
// of DESIGN.md, and the packages an embedder imports for the domain never pull in a database driver.
//
// It has no code of its own; the rules live in archtest_test.go, where a failing case names the import
// that broke them.
package archtest
