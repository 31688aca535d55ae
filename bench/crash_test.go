package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/sla"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/sqlite"
)

// Crash safety: nothing the Desk acknowledged is lost when the process dies with SIGKILL.
//
// TestCrash runs its own test binary again as a child (TestCrashChild, selected by -test.run and
// enabled by an environment variable). The child opens a SQLite file with sqlite.Open (the default
// synchronous=FULL), takes complaints in through a Desk with triage, SLA timers and the outbox on, from
// four goroutines at once (so the kill lands in the store's group commits), and prints "intake ID" on stdout after each Intake returns; every third complaint it also acknowledges,
// printing "ack ID SEQ" after Transition returns. The parent reads the lines, kills the child with
// SIGKILL after a random number of intakes, reopens the file and checks that every printed complaint
// is there with its events, timers and outbox messages, and that the file is consistent. It does this
// over several rounds on the same file, so later children start from a file recovered after a kill.
//
// What is asserted does not depend on timing: only what the child printed before it died, and
// invariants that hold for every stored complaint whenever the kill landed.

const crashEnv = "REDRESS_CRASH_DB"

// crashNow is the child's clock: fixed, so the parent can recompute each complaint's timers exactly.
// A Monday at 10:00 in Shanghai, inside the office hours of the seed SLA calendar.
var crashNow = time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC)

// crashChildLimit bounds the child's loop in case its parent is gone.
const crashChildLimit = 100_000

// crashWriters is how many goroutines of the child take complaints in at once.
const crashWriters = 4

func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("helper process of TestCrash: runs only when TestCrash starts it with " + crashEnv + " set")
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: open:", err)
		os.Exit(3)
	}
	d := newDesk(t, st, func() time.Time { return crashNow })
	samples := intakeSamples()
	actor := complaint.Actor{ID: "crash-child"}
	agent := complaint.Actor{ID: "agent-1", Roles: []string{complaint.RoleAgent}, Tier: complaint.TierSpecial}
	var out sync.Mutex // one write per line: a line on the pipe is whole or absent
	say := func(format string, args ...any) {
		out.Lock()
		defer out.Unlock()
		if _, err := fmt.Fprintf(os.Stdout, format, args...); err != nil {
			os.Exit(5) // the parent is gone
		}
	}
	// Several writers at once, so that the store's group commit is what the kill interrupts.
	var wg sync.WaitGroup
	for w := range crashWriters {
		wg.Go(func() {
			for i := w; i < crashChildLimit; i += crashWriters {
				c, _, err := d.Intake(ctx, actor, sampleIntake(samples, i))
				if err != nil {
					fmt.Fprintln(os.Stderr, "child: intake:", err)
					os.Exit(4)
				}
				say("intake %s\n", c.ID)
				if i%3 != 0 {
					continue
				}
				acked, err := d.Transition(ctx, redress.TransitionRequest{Tenant: c.Tenant, ID: c.ID, Actor: agent, Trigger: complaint.TriggerAcknowledge})
				if err != nil {
					fmt.Fprintln(os.Stderr, "child: acknowledge:", err)
					os.Exit(6)
				}
				say("ack %s %d\n", acked.ID, acked.EventSeq)
			}
		})
	}
	wg.Wait()
}

// crashRound starts a child on path, kills it after killAfter intakes, and returns what it printed:
// the acknowledged intakes in order and, per acknowledged transition, the event sequence number it
// reported.
func crashRound(t *testing.T, path string, killAfter int) (intakes []string, acks map[string]int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())

	acks = map[string]int64{}
	killed := false
	r := bufio.NewReader(out)
	for {
		line, err := r.ReadString('\n')
		if errors.Is(err, io.EOF) {
			break // a partial last line (none is expected: each line is one write) is not an acknowledgement
		}
		require.NoError(t, err)
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "intake":
			intakes = append(intakes, f[1])
		case len(f) == 3 && f[0] == "ack":
			seq, err := strconv.ParseInt(f[2], 10, 64)
			require.NoError(t, err)
			acks[f[1]] = seq
		}
		if !killed && len(intakes) >= killAfter {
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			killed = true
			// Keep reading: lines the child wrote before it died were acknowledged too.
		}
	}
	err = cmd.Wait()
	require.True(t, killed, "the child stopped after %d intakes before it was killed: %v\n%s", len(intakes), err, stderr.String())
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	ws, ok := exit.Sys().(syscall.WaitStatus)
	require.True(t, ok)
	require.True(t, ws.Signaled() && ws.Signal() == syscall.SIGKILL, "child ended by %v, not SIGKILL\n%s", err, stderr.String())
	return intakes, acks
}

// expectedTimers recomputes what the Desk stores for c: the next warning level of each running SLA
// clock at the child's clock (no complaint in this test is resolved, so no close timer).
func expectedTimers(t *testing.T, set *sla.Set, c *complaint.Complaint, evs []complaint.Event) []storage.Timer {
	t.Helper()
	p, err := set.For(c)
	if err != nil {
		p = set.Default()
	}
	var want []storage.Timer
	for _, tm := range sla.Timers(p.Clocks(c, evs, crashNow)) {
		want = append(want, storage.Timer{Tenant: c.Tenant, ComplaintID: c.ID, Kind: tm.Kind, DueAt: storage.Time(tm.At)})
	}
	slices.SortFunc(want, func(a, b storage.Timer) int {
		if c := a.DueAt.Compare(b.DueAt); c != 0 {
			return c
		}
		return strings.Compare(a.Kind, b.Kind)
	})
	return want
}

// verifyCrashStore opens the file after a kill and checks it; it returns how many complaints it holds.
func verifyCrashStore(t *testing.T, path string, intakes []string, acks map[string]int64) int {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, path)
	require.NoError(t, err, "the file opens after the kill")
	defer func() { require.NoError(t, st.Close()) }()

	var integrity string
	require.NoError(t, st.DB().QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&integrity))
	require.Equal(t, "ok", integrity)
	rows, err := st.DB().QueryContext(ctx, "PRAGMA foreign_key_check")
	require.NoError(t, err)
	assert.False(t, rows.Next(), "no row refers to a missing complaint")
	require.NoError(t, rows.Close())

	set := seedSLA(t)
	stored := map[string]*complaint.Complaint{}
	require.NoError(t, st.View(ctx, func(tx storage.ReadTx) error {
		lp := &storage.ComplaintListParams{Tenant: benchTenant, Limit: storage.MaxListLimit}
		for {
			page, err := tx.ComplaintList(ctx, lp)
			require.NoError(t, err)
			for _, c := range page.Complaints {
				stored[c.ID] = c
			}
			if page.Next == "" {
				break
			}
			lp.Cursor = page.Next
		}
		counts, err := tx.ComplaintCount(ctx, &storage.ComplaintCountParams{Tenant: benchTenant, GroupBy: storage.ByStatus})
		require.NoError(t, err)
		var n int64
		for _, c := range counts {
			n += c.N
		}
		assert.Equal(t, int64(len(stored)), n, "the count agrees with the list")

		for _, c := range stored {
			evs, err := tx.EventList(ctx, &storage.EventListParams{Tenant: c.Tenant, ComplaintID: c.ID})
			require.NoError(t, err)
			require.Len(t, evs, int(c.EventSeq), "complaint %s: events 1..EventSeq", c.ID)
			for k, e := range evs {
				require.Equal(t, int64(k+1), e.Seq, "complaint %s: event sequence without gaps", c.ID)
			}
			require.Equal(t, complaint.EventReceived, evs[0].Type)
			tms, err := tx.TimerList(ctx, &storage.TimerListParams{Tenant: c.Tenant, ComplaintID: c.ID})
			require.NoError(t, err)
			require.NotEmpty(t, tms, "complaint %s: an open complaint has SLA timers", c.ID)
			require.Equal(t, expectedTimers(t, set, c, evs), tms, "complaint %s: the timers its history implies", c.ID)
		}
		return nil
	}))

	for _, id := range intakes {
		require.Contains(t, stored, id, "acknowledged intake %s is stored", id)
	}
	for id, seq := range acks {
		require.Contains(t, stored, id)
		assert.GreaterOrEqual(t, stored[id].EventSeq, seq, "acknowledged transition of %s is stored", id)
		assert.Equal(t, complaint.StatusAcknowledged, stored[id].Status)
	}

	// One outbox message per event, for every stored complaint and no other; claimed in a transaction
	// that rolls back, so the next round finds them again.
	perKey := map[string]int64{}
	err = st.Update(ctx, func(tx storage.Tx) error {
		for {
			msgs, err := tx.OutboxClaim(ctx, &storage.OutboxClaimParams{Now: crashNow.Add(time.Hour), Lease: 24 * time.Hour, Limit: 500})
			require.NoError(t, err)
			if len(msgs) == 0 {
				return errRollback
			}
			for _, m := range msgs {
				perKey[m.Key]++
			}
		}
	})
	require.ErrorIs(t, err, errRollback)
	for id, c := range stored {
		assert.Equal(t, c.EventSeq, perKey[id], "outbox messages of %s", id)
	}
	assert.Len(t, perKey, len(stored))

	// The scanner's query works on the recovered file.
	err = st.Update(ctx, func(tx storage.Tx) error {
		ts, err := tx.TimerClaimDue(ctx, &storage.TimerClaimDueParams{Now: crashNow.Add(365 * 24 * time.Hour), Limit: 10})
		require.NoError(t, err)
		assert.Len(t, ts, min(10, len(stored)))
		return errRollback
	})
	require.ErrorIs(t, err, errRollback)
	return len(stored)
}

func TestCrash(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("inside the crash child")
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill points drawn with seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 0))
	path := filepath.Join(t.TempDir(), "crash.db")
	var intakes []string
	acks := map[string]int64{}
	const rounds = 3
	for round := range rounds {
		killAfter := 20 + r.IntN(130)
		got, gotAcks := crashRound(t, path, killAfter)
		require.GreaterOrEqual(t, len(got), killAfter)
		intakes = append(intakes, got...)
		for id, seq := range gotAcks {
			acks[id] = seq
		}
		n := verifyCrashStore(t, path, intakes, acks)
		// At most one intake per writer and round can have committed without being printed: the one
		// the kill caught between its commit and its line.
		assert.LessOrEqual(t, n, len(intakes)+(round+1)*crashWriters, "no complaint the child did not take in")
		t.Logf("round %d: killed after %d intakes (%d printed, %d acknowledged transitions); %d stored", round, killAfter, len(got), len(gotAcks), n)
	}
}
