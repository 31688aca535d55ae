package apikey_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/redresshq/redress/internal/apikey"
)

// A key is shown once, at creation; afterwards only its digest is kept, and a request's key is mapped
// back to its actor.
func ExampleKeys_Create() {
	dir, _ := os.MkdirTemp("", "apikey")
	defer os.RemoveAll(dir)
	keys, err := apikey.Open(filepath.Join(dir, "redress-keys.json"), apikey.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	key, rec, err := keys.Create(apikey.Actor{Tenant: "acme", ID: "agent:li", Roles: []string{"agent"}, Tier: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("key length:", len(key), "digest length:", len(rec.Digest))

	actor, err := keys.Authenticate(key)
	fmt.Println(actor.Tenant, actor.ID, actor.Tier, err)

	_, err = keys.Authenticate("rdk_guessed")
	fmt.Println(err)
	// Output:
	// key length: 47 digest length: 64
	// acme agent:li 1 <nil>
	// apikey: unknown key
}
