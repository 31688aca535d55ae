// Command load measures complaint intake over HTTP: C concurrent clients POST complaints to redressd and
// the program reports requests per second and latency percentiles, next to the Desk's in-process
// intake rate on the same kind of store in the same run (the ratio the reference server is judged by).
//
//	go run ./bench/load                                 # in-process redressd on a temporary SQLite file
//	go run ./bench/load -store postgres://...            # in-process redressd on PostgreSQL
//	go run ./bench/load -url http://127.0.0.1:8080 -key rdk_...   # a redressd you started yourself
//
// In-process mode serves the real internal/server handler on a loopback listener, with API-key
// authentication, so the figures include JSON decoding, auth, the Desk and the commit. Client and
// server share the machine: on 2 cores the client's share is part of the price.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/internal/apikey"
	"github.com/redresshq/redress/internal/server"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/memory"
	"github.com/redresshq/redress/storage/postgres"
	"github.com/redresshq/redress/storage/sqlite"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type options struct {
	url, key   string
	store      string
	sync       string
	clients, n int
	skipDesk   bool
	ids        string // write the IDs of complaints that got a 201 here
	verify     string // read IDs from here and check each is stored
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.StringVar(&o.url, "url", "", "base URL of a running redressd; empty starts one in-process")
	fs.StringVar(&o.key, "key", "", "API key for -url")
	fs.StringVar(&o.store, "store", "sqlite", "in-process store: sqlite, memory, or a postgres:// DSN")
	fs.StringVar(&o.sync, "sqlite-sync", "FULL", "SQLite synchronous level for in-process runs: FULL or NORMAL")
	fs.IntVar(&o.clients, "c", 16, "concurrent clients")
	fs.IntVar(&o.n, "n", 20000, "requests in total")
	fs.BoolVar(&o.skipDesk, "skip-desk", false, "skip the in-process Desk intake baseline")
	fs.StringVar(&o.ids, "ids", "", "write the ID of every complaint answered 201 to this file (for -verify after a crash)")
	fs.StringVar(&o.verify, "verify", "", "instead of loading, GET every ID in this file from -url and report the missing ones")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.verify != "" {
		if o.url == "" || o.key == "" {
			return errors.New("-verify needs -url and -key")
		}
		return verify(ctx, o, out)
	}
	if o.clients < 1 || o.n < o.clients {
		return errors.New("need -c >= 1 and -n >= -c")
	}
	base, key := o.url, o.key
	label := o.url
	if base == "" {
		stop, url, k, err := startInProcess(ctx, o)
		if err != nil {
			return err
		}
		defer stop()
		base, key, label = url, k, "in-process redressd on "+storeLabel(o)
	} else if key == "" {
		return errors.New("-url needs -key")
	}

	res, err := hammer(ctx, base, key, o.clients, o.n)
	if err != nil {
		return err
	}
	if o.ids != "" {
		if err := os.WriteFile(o.ids, []byte(strings.Join(res.ids, "\n")+"\n"), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "HTTP intake, %s, %d clients, %d requests\n", label, o.clients, o.n)
	fmt.Fprintf(out, "  %.0f req/s   p50 %s   p90 %s   p99 %s   max %s   errors %d\n",
		res.rate, res.p(0.50), res.p(0.90), res.p(0.99), res.p(1), res.errors)
	if o.url != "" || o.skipDesk {
		return nil
	}
	deskRate, err := deskBaseline(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Desk.Intake in-process, same store kind, %d goroutines\n  %.0f intakes/s\n", o.clients, deskRate)
	fmt.Fprintf(out, "ratio HTTP / in-process: %.2f\n", res.rate/deskRate)
	return nil
}

func storeLabel(o options) string {
	switch {
	case strings.HasPrefix(o.store, "postgres"):
		return "PostgreSQL"
	case o.store == "memory":
		return "memory"
	}
	return "SQLite (synchronous=" + strings.ToUpper(o.sync) + ")"
}

// openStore opens a fresh store of the kind o names. For PostgreSQL the tables are shared between runs;
// each run uses new tenants, so earlier rows only make the tables bigger.
func openStore(ctx context.Context, o options, dir string) (storage.Store, error) {
	switch {
	case strings.HasPrefix(o.store, "postgres"):
		return postgres.Open(ctx, o.store)
	case o.store == "memory":
		return memory.New(), nil
	case o.store == "sqlite":
		return sqlite.OpenWith(ctx, filepath.Join(dir, "redress.db"), sqlite.Config{Synchronous: sqlite.Synchronous(strings.ToUpper(o.sync))})
	}
	return nil, fmt.Errorf("unknown -store %q", o.store)
}

// startInProcess serves the real handler on a loopback port.
func startInProcess(ctx context.Context, o options) (stop func(), url, key string, err error) {
	dir, err := os.MkdirTemp("", "redress-load")
	if err != nil {
		return nil, "", "", err
	}
	store, err := openStore(ctx, o, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", "", err
	}
	desk, err := redress.New(store, redress.Config{})
	if err != nil {
		return nil, "", "", err
	}
	keys, err := apikey.Open(filepath.Join(dir, "keys.json"), apikey.Config{})
	if err != nil {
		return nil, "", "", err
	}
	key, _, err = keys.Create(apikey.Actor{Tenant: fmt.Sprintf("load-%d", time.Now().UnixNano()), ID: "load:client", Roles: []string{"agent"}, Tier: 1})
	if err != nil {
		return nil, "", "", err
	}
	srv, err := server.New(server.Config{Desk: desk, Keys: keys})
	if err != nil {
		return nil, "", "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", "", err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	return func() {
		_ = hs.Shutdown(context.Background())
		_ = store.Close()
		_ = os.RemoveAll(dir)
	}, "http://" + ln.Addr().String(), key, nil
}

type result struct {
	rate      float64
	latencies []time.Duration // sorted
	errors    int64
	ids       []string // complaints answered 201
}

func (r *result) p(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := min(int(q*float64(len(r.latencies))), len(r.latencies)-1)
	return r.latencies[i].Round(10 * time.Microsecond)
}

func body(i int64) []byte {
	return fmt.Appendf(nil, `{"channel":"web","customer":{"id":"cust-%d","name":"王芳","contact":"wang@example.com"},"subject":"血糖仪读数偏高 #%d","description":"Readings are about 3 mmol/L higher than the clinic's.","product":{"model":"BG-200","batch":"B2611"}}`, i%997, i)
}

// hammer sends n intakes from c clients, each waiting for its answer before the next request.
func hammer(ctx context.Context, base, key string, c, n int) (*result, error) {
	tr := &http.Transport{MaxIdleConns: c, MaxIdleConnsPerHost: c, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	var next, errs atomic.Int64
	lat := make([][]time.Duration, c)
	ids := make([][]string, c)
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for w := range c {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				req, err := http.NewRequestWithContext(ctx, "POST", base+"/v1/complaints", bytes.NewReader(body(i)))
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", run+"-"+fmt.Sprint(i))
				t0 := time.Now()
				resp, err := client.Do(req)
				var created struct {
					ID string `json:"id"`
				}
				if err == nil {
					err = json.NewDecoder(resp.Body).Decode(&created)
					resp.Body.Close()
				}
				d := time.Since(t0)
				if err != nil || resp.StatusCode != http.StatusCreated {
					if errs.Add(1) == 1 {
						once.Do(func() {
							if err == nil {
								err = fmt.Errorf("status %d", resp.StatusCode)
							}
							firstErr = err
						})
					}
					continue
				}
				lat[w] = append(lat[w], d)
				ids[w] = append(ids[w], created.ID)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	var allIDs []string
	for w, l := range lat {
		all = append(all, l...)
		allIDs = append(allIDs, ids[w]...)
	}
	slices.Sort(all)
	if len(all) == 0 {
		return nil, fmt.Errorf("every request failed; first error: %v", firstErr)
	}
	return &result{rate: float64(len(all)) / elapsed.Seconds(), latencies: all, errors: errs.Load(), ids: allIDs}, nil
}

// deskBaseline is the in-process intake rate with the same concurrency on a fresh store of the same kind.
func deskBaseline(ctx context.Context, o options) (float64, error) {
	dir, err := os.MkdirTemp("", "redress-load-desk")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	store, err := openStore(ctx, o, dir)
	if err != nil {
		return 0, err
	}
	defer store.Close()
	desk, err := redress.New(store, redress.Config{})
	if err != nil {
		return 0, err
	}
	tenant := fmt.Sprintf("desk-%d", time.Now().UnixNano())
	actor := complaint.Actor{ID: "load:desk", Roles: []string{complaint.RoleAgent}, Tier: 1}
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range o.clients {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(o.n) {
					return
				}
				_, _, err := desk.Intake(ctx, actor, &complaint.Complaint{
					Tenant: tenant, Channel: "web", ExternalRef: fmt.Sprint(i),
					Customer: complaint.Customer{ID: fmt.Sprintf("cust-%d", i%997), Name: "王芳", Contact: "wang@example.com"},
					Subject:  fmt.Sprintf("血糖仪读数偏高 #%d", i), Description: "Readings are about 3 mmol/L higher than the clinic's.",
					Product: complaint.Product{Model: "BG-200", Batch: "B2611"},
				})
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(o.n) / time.Since(start).Seconds(), nil
}

// verify checks that every complaint in o.verify (written by -ids) can be read back: after a kill -9,
// each one the server answered 201 must be there.
func verify(ctx context.Context, o options, out io.Writer) error {
	raw, err := os.ReadFile(o.verify)
	if err != nil {
		return err
	}
	var ids []string
	for _, id := range strings.Split(string(raw), "\n") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	var missing []string
	for _, id := range ids {
		req, err := http.NewRequestWithContext(ctx, "GET", o.url+"/v1/complaints/"+id, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+o.key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
		case http.StatusNotFound:
			missing = append(missing, id)
		default:
			return fmt.Errorf("GET %s: status %d", id, resp.StatusCode)
		}
	}
	fmt.Fprintf(out, "%d complaints answered 201, %d stored, %d missing\n", len(ids), len(ids)-len(missing), len(missing))
	if len(missing) > 0 {
		return fmt.Errorf("missing after restart: %s", strings.Join(missing, ", "))
	}
	return nil
}
