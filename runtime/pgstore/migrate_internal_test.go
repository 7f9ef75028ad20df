package pgstore

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/schema"
)

func TestReadMigrations(t *testing.T) {
	t.Parallel()
	file := func(sql string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(sql)} }
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		want    []string // names, in order
		wantErr string
	}{
		{
			name: "ordered by number, not name",
			fsys: fstest.MapFS{"10_c.sql": file("c"), "000_a.sql": file("a"), "002_b.sql": file("b")},
			want: []string{"000_a.sql", "002_b.sql", "10_c.sql"},
		},
		{
			name:    "same version twice",
			fsys:    fstest.MapFS{"001_a.sql": file("a"), "1_b.sql": file("b")},
			wantErr: "same version",
		},
		{
			name:    "unnumbered file",
			fsys:    fstest.MapFS{"000_a.sql": file("a"), "sessions.sql": file("b")},
			wantErr: "not named NNN_name.sql",
		},
		{
			name:    "a directory",
			fsys:    fstest.MapFS{"000_a.sql": file("a"), "001_dir.sql/x": file("b")},
			wantErr: "not named NNN_name.sql",
		},
		{
			name:    "version out of range",
			fsys:    fstest.MapFS{"99999999999_a.sql": file("a")},
			wantErr: "version",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := readMigrations(tt.fsys)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, m := range ms {
				names = append(names, m.name)
			}
			if strings.Join(names, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %v, want %v", names, tt.want)
			}
		})
	}
}

func TestShippedSchemaFiles(t *testing.T) {
	t.Parallel()
	ms, err := readMigrations(schema.FS)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.version != int32(i) {
			t.Errorf("%s: version %d, want %d: versions are consecutive from 0", m.name, m.version, i)
		}
	}
}

func TestMigrateAppliesAllOrNothing(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	bootstrap, err := schema.FS.ReadFile("000_migrations.sql")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"000_migrations.sql": {Data: bootstrap},
		"001_good.sql":       {Data: []byte("CREATE TABLE good (id int); CREATE TABLE good2 (id int);")},
		"002_bad.sql":        {Data: []byte("CREATE TABLE bad (id int); SELECT no_such_function();")},
	}
	err = migrate(ctx, pool, fsys)
	if err == nil || !strings.Contains(err.Error(), "002_bad.sql") {
		t.Fatalf("migrate: %v, want an error naming 002_bad.sql", err)
	}
	var tables int
	err = pool.QueryRow(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()").Scan(&tables)
	if err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("%d tables left by a failed migration, want 0", tables)
	}

	delete(fsys, "002_bad.sql")
	if err := migrate(ctx, pool, fsys); err != nil {
		t.Fatal(err)
	}
	fsys["002_more.sql"] = &fstest.MapFile{Data: []byte("ALTER TABLE good ADD COLUMN name text")}
	if err := migrate(ctx, pool, fsys); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "INSERT INTO good (id, name) VALUES (1, 'x')"); err != nil {
		t.Errorf("002 not applied over 001: %v", err)
	}
}
