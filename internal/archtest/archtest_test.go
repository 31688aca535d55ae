package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/redresshq/redress"

// layer returns the rank of a package of this module: a package may import only packages of a strictly
// lower rank. The order is DESIGN.md's: domain leaves, pure packages above them, storage, adapters,
// the Desk, and finally programs.
func layer(path string) (int, bool) {
	rel := strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
	switch {
	case rel == "complaint":
		return 10, true
	case rel == "sla" || rel == "rca" || rel == "feedback":
		return 20, true
	case rel == "routing" || rel == "insight":
		return 30, true
	case rel == "storage":
		return 40, true
	case rel == "storage/memory" || rel == "storage/sqlite" || rel == "storage/postgres":
		return 50, true
	case rel == "storage/storagetest":
		return 55, true
	case rel == "internal/server" || strings.HasPrefix(rel, "internal/server/"):
		return 75, true // the HTTP layer of cmd/redressd: above the Desk it exposes
	case strings.HasPrefix(rel, "internal/"):
		return 60, true
	case rel == "":
		return 70, true
	case strings.HasPrefix(rel, "cmd/") || strings.HasPrefix(rel, "examples/") || rel == "bench" || strings.HasPrefix(rel, "bench/"):
		return 80, true
	}
	return 0, false
}

// driverFree are the packages an embedder may import without building a database driver.
var driverFree = []string{"", "complaint", "sla", "rca", "feedback", "routing", "insight", "storage", "storage/storagetest", "storage/memory"}

var drivers = []string{"github.com/jackc/pgx", "modernc.org/"}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps=false", "-json", module+"/...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		t.Fatalf("go list: %v\n%s", err, ee.Stderr)
	}
	require.NoError(t, err)
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else {
			require.NoError(t, err)
		}
		pkgs = append(pkgs, p)
	}
	require.NotEmpty(t, pkgs)
	return pkgs
}

func TestImportsPointDown(t *testing.T) {
	for _, p := range listPackages(t) {
		from, ok := layer(p.ImportPath)
		if !ok {
			t.Errorf("%s is not placed in a layer: add it to layer() in archtest", p.ImportPath)
			continue
		}
		for _, imp := range p.Imports {
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			to, ok := layer(imp)
			if !ok {
				continue // reported as the importing package of its own
			}
			if to >= from {
				t.Errorf("%s (layer %d) imports %s (layer %d): imports must point down the layers", p.ImportPath, from, imp, to)
			}
		}
	}
}

func TestDomainNeedsNoDriver(t *testing.T) {
	all := map[string]pkg{}
	for _, p := range listPackages(t) {
		all[p.ImportPath] = p
	}
	for _, rel := range driverFree {
		path := strings.TrimSuffix(module+"/"+rel, "/")
		p, ok := all[path]
		if !ok {
			continue // not written yet
		}
		for _, dep := range p.Deps {
			for _, drv := range drivers {
				if strings.HasPrefix(dep, drv) {
					t.Errorf("%s depends on %s: the root, domain packages and storagetest must build without database drivers", path, dep)
				}
			}
		}
	}
}
