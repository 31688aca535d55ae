package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "redressd:", err)
		os.Exit(1)
	}
}

// run is the whole program, so that tests can drive it: a keys subcommand, or the server until ctx
// ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "keys":
			return runKeys(args[1:], stdout, stderr)
		case "serve":
			args = args[1:]
		}
	}
	return serve(ctx, args, stderr)
}
