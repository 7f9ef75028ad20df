package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// newcomerSection is the README section whose steps TestReadmeNewcomerPath
// replays.
const newcomerSection = "## Use it in your app"

// newcomerPackage is where the README tells a newcomer to put the schema.
const newcomerPackage = "internal/session"

// newcomerApp is the application the newcomer writes around the generated
// accessors: one handler through the middleware, and a test that sends it
// one request and reads the session back. It is the test's own, not the
// README's: the README's Go blocks are excerpts, kept built by
// TestReadmeGoBlocksAreBuiltCode.
var newcomerApp = map[string]string{
	"main.go": `package main

import (
	"fmt"
	"log"
	"net/http"

	"example.com/app/internal/session"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

func handler() (http.Handler, error) {
	mgr, err := runtime.NewManager(memstore.New())
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		sess := session.From(r)
		sess.SetUserName("ada")
		fmt.Fprintf(w, "%s %s", sess.UserName(), sess.Theme())
	})
	return mgr.Middleware(mux), nil
}

func main() {
	h, err := handler()
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe("localhost:8080", h))
}
`,
	"main_test.go": `package main

import (
	"io"
	"net/http/httptest"
	"testing"
)

func TestOneRequest(t *testing.T) {
	h, err := handler()
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "http://localhost/", nil))
	body, _ := io.ReadAll(w.Result().Body)
	if string(body) != "ada light" || len(w.Result().Cookies()) != 1 {
		t.Fatalf("got %q and cookies %v", body, w.Result().Cookies())
	}
}
`,
}

// TestReadmeNewcomerPath follows the README's "Use it in your app" in a
// fresh module outside the repository, as a newcomer would: each shell
// command of the section as written, an ordinary go mod tidy before go
// generate as well, the schema and the go:generate line from its blocks;
// then go build, go vet, the README's sessiongen check, and one request
// through the middleware. The one change to what a newcomer types: the
// module is not published, so a replace directive points at this checkout,
// go get asks for its version, v0.0.0, and the go command works from the
// module cache alone. It fails when the steps stop working.
func TestReadmeNewcomerPath(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command in a fresh module")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed: %v", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	app := t.TempDir()
	// The module is not published: GOPRIVATE keeps lookups of it from any
	// proxy (the replace directive answers them). Every other module comes
	// from the module cache or, as for a newcomer, the module proxy: `go
	// list -m all` wants go.mod files that no build of the root module
	// downloads (kr/text's, for one). The checksum database is left out,
	// since only the proxy is reachable from CI.
	env := append(os.Environ(), "GOWORK=off", "GOFLAGS=", "GOPRIVATE=github.com/sessiongen/sessiongen", "GOSUMDB=off")
	run := func(line string, args ...string) string {
		t.Helper()
		start := time.Now()
		cmd := exec.Command(goBin, args...)
		cmd.Dir, cmd.Env = app, env
		out, err := cmd.CombinedOutput()
		t.Logf("%s: go %s (%v)\n%s", line, strings.Join(args, " "), time.Since(start).Round(time.Millisecond), out)
		if err != nil {
			t.Fatalf("%s: go %s: %v\n%s", line, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("setup", "mod", "init", "example.com/app")
	run("setup", "mod", "edit", "-replace", "github.com/sessiongen/sessiongen="+root)

	pkg := filepath.Join(app, filepath.FromSlash(newcomerPackage))
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	var commands, generated, checked int
	for _, b := range newcomerBlocks(t) {
		where := "README.md:" + strconv.Itoa(b.line)
		switch {
		case b.lang == "yaml":
			writeFile(t, filepath.Join(pkg, "sessions.yaml"), b.body)
		case b.lang == "go" && strings.HasPrefix(b.body, "//go:generate "):
			writeFile(t, filepath.Join(pkg, "session.go"), "package session\n\n"+b.body)
		case b.lang == "sh":
			for _, args := range shellCommands(t, where, b.body) {
				switch {
				case args[0] == "generate":
					run(where, "mod", "tidy") // what a newcomer runs in between
					generated++
				case args[0] == "tool" && len(args) > 2 && args[1] == "sessiongen" && args[2] == "check":
					checked++
				}
				run(where, pinned(args)...)
				commands++
			}
		}
	}
	if commands < 4 || generated == 0 || checked == 0 {
		t.Fatalf("the section has %d commands, %d go generate and %d sessiongen check: the test reads the wrong section?",
			commands, generated, checked)
	}
	for name, src := range newcomerApp {
		writeFile(t, filepath.Join(app, name), src)
	}
	run("app", "mod", "tidy")
	run("app", "build", "./...")
	run("app", "vet", "./...")
	run("app", "test", "-count=1", "./...")
	graph := run("app", "list", "-m", "all")
	t.Logf("the app's module graph, the tool's included: %d modules", strings.Count(graph, "\n"))
	for _, heavy := range []string{"redis/go-redis", "chromedp"} {
		if strings.Contains(graph, heavy) {
			t.Errorf("an app that imports runtime and memstore depends on %s", heavy)
		}
	}
	checkReadmeNamedTypeError(t, goBin, app, env)
}

// newcomerBlocks returns the code blocks of the README's newcomer section,
// in order.
func newcomerBlocks(t *testing.T) []block {
	t.Helper()
	src, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	start, end := -1, len(lines) // line numbers, from 1
	for i, l := range lines {
		if l == newcomerSection {
			start = i + 1
		} else if start >= 0 && (strings.HasPrefix(l, "## ") || strings.HasPrefix(l, "### ")) {
			end = i + 1
			break
		}
	}
	if start < 0 {
		t.Fatalf("README.md has no %q section", newcomerSection)
	}
	var in []block
	for _, b := range readmeBlocks(t) {
		if b.line > start && b.line < end {
			in = append(in, b)
		}
	}
	return in
}

// shellCommands returns the go commands of a shell block, one per line,
// split into arguments, with comments dropped. Any other command fails the
// test: the replay would not know what it does.
func shellCommands(t *testing.T, where, body string) [][]string {
	t.Helper()
	var cmds [][]string
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if fields[0] != "go" {
			t.Fatalf("%s: the newcomer section runs %q, which the replay does not know", where, sc.Text())
		}
		cmds = append(cmds, fields[1:])
	}
	return cmds
}

// pinned returns args with go get of this repository's modules asking for
// v0.0.0, the version the replace directive stands for.
func pinned(args []string) []string {
	if args[0] != "get" {
		return args
	}
	out := []string{}
	for _, a := range args {
		if strings.HasPrefix(a, "github.com/sessiongen/sessiongen") && !strings.Contains(a, "@") {
			a += "@v0.0.0"
		}
		out = append(out, a)
	}
	return out
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
