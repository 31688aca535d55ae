package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/sla"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/postgres"
	"github.com/redresshq/redress/storage/sqlite"
)

// pgDSNEnv names the PostgreSQL server of the PostgreSQL benchmarks and tests.
const pgDSNEnv = "REDRESS_POSTGRES_DSN"

const pgSkip = "set REDRESS_POSTGRES_DSN=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run the PostgreSQL benchmarks"

// benchTenant is the tenant every intake benchmark writes.
const benchTenant = "acme"

// intakeTexts are subject and description pairs in Chinese and English, in the vocabulary of the seed
// documents; the first is a safety report.
var intakeTexts = [][2]string{
	{"充电器冒烟起火", "昨晚充电的时候充电器突然冒烟，还有烧焦的味道，差点起火，孩子吓坏了。请马上处理！"},
	{"快递迟迟未到", "订单已经付款一周了，快递一直显示在途，客服电话也没人接，非常失望。"},
	{"重复扣费", "同一笔订单被重复扣款两次，账单上清清楚楚，要求尽快退款。"},
	{"屏幕出现裂纹", "收到的手机屏幕有裂纹，包装完好，应该是出厂质量问题，要求换货。"},
	{"安装师傅迟到", "预约了上午安装，师傅下午才来，态度也很差，敷衍了事。"},
	{"Refund still not received", "I returned the blender three weeks ago and the refund still has not arrived. This is the second time I am writing."},
	{"Battery overheats", "The laptop battery gets very hot while charging and the case is warping. I am worried it is unsafe."},
	{"Wrong item delivered", "I ordered the blue kettle and received a toaster. The courier left it at the door without a signature."},
	{"保修被拒", "产品还在保修期内，维修点却说人为损坏拒绝保修，我要向消费者协会投诉。"},
	{"会员积分没有到账", "上个月的会员积分一直没到账，在线客服一直让我等待，没有任何回复。"},
	{"血糖仪读数不准", "家里老人用的血糖仪读数忽高忽低，和医院测的差很多，担心耽误治疗。"},
	{"Invoice is wrong", "The invoice shows a fee I never agreed to. Please correct it and send a new invoice."},
}

var intakeChannels = []string{"phone", "web", "app", "wechat", "email", "store", "weibo"}

// intakeSamples returns the complaints the intake benchmarks take in, in a fixed order: the texts
// above on rotating channels, customers and products. ExternalRef is left for the caller to fill.
func intakeSamples() []*complaint.Complaint {
	var out []*complaint.Complaint
	for i := range 48 {
		t := intakeTexts[i%len(intakeTexts)]
		c := &complaint.Complaint{
			Tenant:  benchTenant,
			Channel: intakeChannels[i%len(intakeChannels)],
			Customer: complaint.Customer{
				ID: fmt.Sprintf("cust-%04d", i*37%500), Name: "王芳", Contact: "+86 138 0000 0000",
				Tier: []string{"standard", "silver", "gold"}[i%3], VIP: i%9 == 0,
			},
			Product: complaint.Product{
				SKU: fmt.Sprintf("SKU-%04d", i*13%100), Model: fmt.Sprintf("M%d", i%7), Batch: "B2610-017",
				OrderNumber: fmt.Sprintf("SO%010d", 4200000000+i),
			},
			Subject:     t[0],
			Description: t[1],
		}
		if i%4 == 0 {
			c.Attachments = []complaint.Attachment{{Name: "photo.jpg", URI: "s3://evidence/photo.jpg", MediaType: "image/jpeg"}}
		}
		out = append(out, c)
	}
	return out
}

// refSeq numbers external references across every benchmark of the process, so that repeated runs
// (b.N grows, -count) never reuse one.
var refSeq struct {
	sync.Mutex
	n int
}

func nextRef() string {
	refSeq.Lock()
	defer refSeq.Unlock()
	refSeq.n++
	return fmt.Sprintf("ref-%d-%d", os.Getpid(), refSeq.n)
}

// seedSLA compiles the seed SLA policies.
func seedSLA(tb testing.TB) *sla.Set {
	tb.Helper()
	set, err := sla.Parse(sla.SeedYAML())
	require.NoError(tb, err)
	return set
}

// newDesk returns a Desk on st configured as the intake benchmarks run it: the 100-rule triage file,
// the seed SLA policies (timers at every intake), the outbox, and the given clock (nil: wall clock).
func newDesk(tb testing.TB, st storage.Store, now func() time.Time) *redress.Desk {
	tb.Helper()
	d, err := redress.New(st, redress.Config{Rules: loadRules100(tb), SLA: seedSLA(tb), Outbox: true, Now: now})
	require.NoError(tb, err)
	return d
}

// openSQLite opens a fresh store in a temporary directory.
func openSQLite(tb testing.TB, sync sqlite.Synchronous) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.OpenWith(context.Background(), filepath.Join(tb.TempDir(), "bench.db"), sqlite.Config{Synchronous: sync})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// pgSchema creates a schema with a random name on the server at dsn and drops it (and everything in
// it) when tb ends. It returns the DSN with its search_path set to the schema.
func pgSchema(tb testing.TB, dsn, prefix string) string {
	tb.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := prefix + "_" + hex.EncodeToString(b[:])
	exec := func(ctx context.Context, sql string) error {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer func() { _ = conn.Close(ctx) }()
		_, err = conn.Exec(ctx, sql)
		return err
	}
	require.NoError(tb, exec(context.Background(), "CREATE SCHEMA "+schema))
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withParams(tb, dsn, map[string]string{"search_path": schema})
}

// withParams returns dsn with the query parameters set.
func withParams(tb testing.TB, dsn string, params map[string]string) string {
	tb.Helper()
	u, err := url.Parse(dsn)
	require.NoError(tb, err)
	q := u.Query()
	for k, v := range params {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// openPostgres opens a fresh store in a schema of its own with a pool of maxConns connections.
func openPostgres(tb testing.TB, maxConns int) *postgres.Store {
	tb.Helper()
	dsn := os.Getenv(pgDSNEnv)
	if dsn == "" {
		tb.Skip(pgSkip)
	}
	dsn = withParams(tb, pgSchema(tb, dsn, "bench"), map[string]string{"pool_max_conns": fmt.Sprint(maxConns)})
	s, err := postgres.Open(context.Background(), dsn)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = s.Close() })
	return s
}
