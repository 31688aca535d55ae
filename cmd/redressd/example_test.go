package main

import (
	"context"
	"fmt"
	"io"
)

// Configuration mistakes stop redressd before it opens anything, and say which setting is wrong.
func Example_badConfiguration() {
	for _, args := range [][]string{
		{"-sqlite-sync", "OFF"},
		{"-log-level", "loud"},
		{"keys", "rotate"},
	} {
		fmt.Println(run(context.Background(), args, io.Discard, io.Discard))
	}
	// Output:
	// -sqlite-sync "OFF": want FULL or NORMAL
	// -log-level "loud": want debug, info, warn or error
	// unknown keys subcommand "rotate"
}
